// Two Gaussians and the Fisher-Rao geodesic between them, recomputed in the reader's browser.
//
// Two halves in one ES module, because Bokeh embeds a CustomJS module as one blob:
//   1. The numerics (named exports): ports of natgrad_lib.fisher_rao.fisher_rao_distance and
//      geodesic, and of natgrad_lib.divergences.kl_divergence in the (mu, sigma) chart. Same
//      formulas, same operations in the same order, so that the two agree to rounding;
//      tests/js/geodesic_explorer.test.mjs holds them to 1e-12 relative.
//   2. The Bokeh glue (default export): what every slider, click, drag and Reset runs. It fills
//      the ColumnDataSources (the record of what is drawn) and the readout, and draws what moves
//      on each plot's overlay canvas, as live_explorer.mjs does: Bokeh's repaint of a whole plot
//      for every pointer move was most of the time from a drag to the drawn frame.

const SQRT2 = Math.sqrt(2.0);
const INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

function checkPoint(mu, sigma, name) {
  if (!(Number.isFinite(mu) && Number.isFinite(sigma) && sigma > 0.0)) {
    throw new RangeError(`${name} must be a finite (mu, sigma) with sigma > 0; got (${mu}, ${sigma})`);
  }
}

// The half-plane distance (Fisher-Rao distance over sqrt 2), as natgrad_lib's
// _half_plane_distance: cosh d = 1 + r^2 / (2 s1 s2) written as 2 asinh(r / (2 sqrt(s1 s2))),
// exact near d = 0 where arccosh(1 + tiny) loses half the digits.
function halfPlaneDistance(mu1, s1, mu2, s2) {
  const r = Math.hypot((mu1 - mu2) / SQRT2, s1 - s2);
  return 2.0 * Math.asinh(r / (2.0 * Math.sqrt(s1 * s2)));
}

/**
 * Fisher-Rao distance between N(mu1, s1^2) and N(mu2, s2^2):
 * d = 2 sqrt2 asinh( sqrt((mu1 - mu2)^2 / 2 + (s1 - s2)^2) / (2 sqrt(s1 s2)) ).
 */
export function fisherRaoDistance(mu1, s1, mu2, s2) {
  checkPoint(mu1, s1, "theta1");
  checkPoint(mu2, s2, "theta2");
  return SQRT2 * halfPlaneDistance(mu1, s1, mu2, s2);
}

/**
 * n points of the Fisher-Rao geodesic from (mu1, s1) (t = 0) to (mu2, s2) (t = 1), at the
 * parameters of numpy.linspace(0, 1, n). With d the half-plane distance and the hyperboloid's
 * weights w1 = sinh((1 - t) d) / sinh d, w2 = sinh(t d) / sinh d:
 *   1 / sigma(t) = w1 / s1 + w2 / s2,   mu(t) / sigma(t) = w1 mu1 / s1 + w2 mu2 / s2.
 * Returns {t, mu, sigma}.
 */
export function geodesic(mu1, s1, mu2, s2, n) {
  checkPoint(mu1, s1, "theta1");
  checkPoint(mu2, s2, "theta2");
  if (!(Number.isInteger(n) && n >= 2)) throw new RangeError(`n must be an integer >= 2; got ${n}`);
  // numpy.linspace(0, 1, n): i * step, and the end exactly 1
  const step = 1.0 / (n - 1);
  const t = Array.from({ length: n }, (_, i) => (i === n - 1 ? 1.0 : i * step));
  const d = halfPlaneDistance(mu1, s1, mu2, s2);
  if (d === 0.0) return { t, mu: t.map(() => mu1), sigma: t.map(() => s1) };
  const sd = Math.sinh(d);
  const mu = [], sigma = [];
  for (const ti of t) {
    const w1 = Math.sinh((1.0 - ti) * d) / sd;
    const w2 = Math.sinh(ti * d) / sd;
    const invSigma = w1 / s1 + w2 / s2;
    const muOverSigma = w1 * mu1 / s1 + w2 * mu2 / s2;
    mu.push(muOverSigma / invSigma);
    sigma.push(1.0 / invSigma);
  }
  return { t, mu, sigma };
}

// Taylor coefficients 1/k!, k = 2..24, as natgrad_lib.divergences._INV_FACTORIALS: k! exact
// (BigInt), rounded once to a double, as Python's 1.0 / math.factorial(k)
const INV_FACTORIALS = [];
for (let k = 2n, f = 2n; k <= 24n; k++, f *= k) INV_FACTORIALS.push(1.0 / Number(f));

// e^x - 1 - x to full relative precision, also for tiny |x| (natgrad_lib's _expm1_minus_x)
function expm1MinusX(x) {
  if (Math.abs(x) < 0.5) {
    let total = 0.0, power = x * x;
    for (const c of INV_FACTORIALS) {
      const term = c * power;
      total += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(total)) break;
      power *= x;
    }
    return total;
  }
  return Math.expm1(x) - x;
}

/**
 * KL(N(mu1, s1^2) || N(mu2, s2^2)) = log(s2/s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2,
 * evaluated as natgrad_lib.divergences.kl_divergence does in the (mu, sigma) chart:
 * (e^{-2l} - 1 + 2l) / 2 + (dmu / s2)^2 / 2 with l = log(s2 / s1), without cancellation when
 * the two are nearly equal.
 */
export function klDivergence(mu1, s1, mu2, s2) {
  checkPoint(mu1, s1, "theta_p");
  checkPoint(mu2, s2, "theta_q");
  const dmu = mu2 - mu1, ds = s2 - s1;
  // natgrad_lib.charts._displacement in mean_std: log1p of the relative change when it is small
  const logRatio = Math.abs(ds) < 0.5 * Math.abs(s1) ? Math.log1p(ds / s1) : Math.log(s2) - Math.log(s1);
  const z = dmu / s2;
  return 0.5 * expm1MinusX(-2.0 * logRatio) + 0.5 * z * z;
}

/** The density of N(mu, sigma^2) at each x of xs. */
export function density(mu, sigma, xs) {
  checkPoint(mu, sigma, "theta");
  return xs.map((x) => {
    const z = (x - mu) / sigma;
    return INV_SQRT_2PI / sigma * Math.exp(-0.5 * z * z);
  });
}

/** Top of the densities' axis: headroom times the higher peak (natgrad_lib.live_geodesic.density_top). */
export function densityTop(s1, s2, headroom) {
  return headroom / (Math.sqrt(2.0 * Math.PI) * Math.min(s1, s2));
}

/** The readout's HTML: the distance, both KLs and d^2/2, with `digits` decimals. */
export function readout(mu1, s1, mu2, s2, digits) {
  const d = fisherRaoDistance(mu1, s1, mu2, s2);
  const values = {
    d, kl12: klDivergence(mu1, s1, mu2, s2), kl21: klDivergence(mu2, s2, mu1, s1), half: 0.5 * d * d,
  };
  const f = (v) => v.toFixed(digits);
  return {
    values,
    html: `<span data-quantity="d" style="white-space: nowrap">Fisher-Rao distance d = <b>${f(values.d)}</b></span><br>` +
      `<span data-quantity="kl12" style="white-space: nowrap">KL(p₁‖p₂) = <b>${f(values.kl12)}</b></span> · ` +
      `<span data-quantity="kl21" style="white-space: nowrap">KL(p₂‖p₁) = <b>${f(values.kl21)}</b></span> · ` +
      `<span data-quantity="half" style="white-space: nowrap">d²/2 = <b>${f(values.half)}</b></span>`,
  };
}

// --- the Bokeh glue ---------------------------------------------------------------------------

// Which point a drag moves (from its start), whether the sliders are being set by the module,
// Bokeh's index of views (from the callback's context) and the two plots' views (found once).
const state = { dragging: null, busy: false, index: undefined, views: new Map() };

function values(args) {
  const c = args.controls;
  return { mu1: c.mu1.value, s1: c.sigma1.value, mu2: c.mu2.value, s2: c.sigma2.value };
}

// Everything drawn follows the sliders: the points, the geodesic, the segment, the densities.
function recompute(args) {
  const { sources, config } = args;
  const v = values(args);
  const g = geodesic(v.mu1, v.s1, v.mu2, v.s2, config.n_geodesic);
  sources.geodesic.data = { x: g.mu, y: g.sigma, t: g.t };
  sources.segment.data = { x: [v.mu1, v.mu2], y: [v.s1, v.s2] };
  sources.point1.data = { x: [v.mu1], y: [v.s1] };
  sources.point2.data = { x: [v.mu2], y: [v.s2] };
  const xs = sources.density1.data.x;
  sources.density1.data = { x: xs, y: density(v.mu1, v.s1, xs) };
  sources.density2.data = { x: xs, y: density(v.mu2, v.s2, xs) };
  const top = densityTop(v.s1, v.s2, config.headroom);
  // Bokeh repaints the densities' axes when the range changes, and the module draws again then
  if (args.density_plot.y_range.end !== top) args.density_plot.y_range.end = top;
  args.readout.text = readout(v.mu1, v.s1, v.mu2, v.s2, config.digits).html;
  draw(args);
}

// --- drawing what moves -----------------------------------------------------------------------

// The view of a plot, searched down from the root views Bokeh gives the callback.
function findView(plot) {
  const find = (view) => view.model === plot ? view : view.children_views().map(find).find(Boolean);
  for (const root of state.index?.roots ?? []) {
    const view = root.model.document === plot.document ? find(root) : undefined;
    if (view !== undefined) return view;
  }
  return undefined;
}

// The overlay canvas of a plot, cleared, clipped to its frame, with the maps from data to pixels.
function layerOf(args, plot) {
  let view = state.views.get(plot);
  if (view === undefined) {
    view = findView(plot);
    if (view === undefined) return undefined;  // not embedded yet: the first paint draws
    state.views.set(plot, view);
    // Bokeh clears the overlay when it repaints the plot (a resize, a new range): draw again
    view.repainted.connect(() => draw(args));
  }
  const layer = view.canvas_view.overlays;
  const f = view.frame.bbox, xr = plot.x_range, yr = plot.y_range;
  const kx = f.width / (xr.end - xr.start), ky = f.height / (yr.end - yr.start);
  const ctx = layer.prepare();  // cleared, and scaled for the screen's pixel ratio
  ctx.save();
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.width, f.height);
  ctx.clip();
  ctx.lineJoin = "round";
  return { layer, ctx, sx: (x) => f.left + (x - xr.start) * kx, sy: (y) => f.top + (yr.end - y) * ky };
}

function stroke(ctx, sx, sy, data, s) {
  ctx.strokeStyle = s.color;
  ctx.lineWidth = s.width;
  ctx.setLineDash(s.dash);
  ctx.beginPath();
  for (let i = 0; i < data.x.length; i++) {
    if (i === 0) ctx.moveTo(sx(data.x[i]), sy(data.y[i]));
    else ctx.lineTo(sx(data.x[i]), sy(data.y[i]));
  }
  ctx.stroke();
}

function marker(ctx, x, y, s, square) {
  ctx.beginPath();
  if (square) ctx.rect(x - s.size / 2, y - s.size / 2, s.size, s.size);
  else ctx.arc(x, y, s.size / 2, 0, 2 * Math.PI);
  ctx.fillStyle = s.color;
  ctx.fill();
  ctx.setLineDash([]);
  ctx.strokeStyle = s.line;
  ctx.lineWidth = s.line_width;
  ctx.stroke();
}

/** Draw the sources of what moves on the two plots' overlay canvases; false before embedding. */
export function draw(args) {
  const { sources, style } = args;
  const plane = layerOf(args, args.plot), dens = layerOf(args, args.density_plot);
  if (plane === undefined || dens === undefined) return false;
  let { ctx, sx, sy } = plane;
  stroke(ctx, sx, sy, sources.segment.data, style.segment);
  stroke(ctx, sx, sy, sources.geodesic.data, style.geodesic);
  marker(ctx, sx(sources.point1.data.x[0]), sy(sources.point1.data.y[0]), style.point1, false);
  marker(ctx, sx(sources.point2.data.x[0]), sy(sources.point2.data.y[0]), style.point2, true);
  ctx.restore();
  plane.layer.finish();
  ({ ctx, sx, sy } = dens);
  stroke(ctx, sx, sy, sources.density2.data, style.density2);
  stroke(ctx, sx, sy, sources.density1.data, style.density1);
  ctx.restore();
  dens.layer.finish();
  return true;
}

function clamp(v, slider) {
  return Math.min(slider.end, Math.max(slider.start, v));
}

// The point nearer to (x, y) on the screen: distances in fractions of the plot's ranges.
function nearer(args, x, y) {
  const xr = args.plot.x_range, yr = args.plot.y_range, v = values(args);
  const dist = (mu, s) => Math.hypot((mu - x) / (xr.end - xr.start), (s - y) / (yr.end - yr.start));
  return dist(v.mu1, v.s1) <= dist(v.mu2, v.s2) ? 1 : 2;
}

function movePoint(args, which, x, y) {
  const c = args.controls;
  const mu = which === 1 ? c.mu1 : c.mu2, sigma = which === 1 ? c.sigma1 : c.sigma2;
  // inside the sliders' ranges, so that the sliders show the point that is drawn
  state.busy = true;
  mu.value = clamp(x, mu);
  sigma.value = clamp(y, sigma);
  state.busy = false;
  recompute(args);
}

function reset(args) {
  const c = args.controls, d = args.defaults;
  state.busy = true;
  c.mu1.value = d.mu1; c.sigma1.value = d.sigma1; c.mu2.value = d.mu2; c.sigma2.value = d.sigma2;
  state.busy = false;
  recompute(args);
}

/** What Bokeh runs on every change, click and drag (one CustomJS, so one module and one state). */
export default function update(args, obj, data, context) {
  state.index ??= context?.index;
  const event = obj != null && typeof obj.event_name === "string" ? obj.event_name : null;
  switch (event) {
    case "draw": {  // once embedded: Python's sources, drawn as they are
      draw(args);
      // a screen reader says the new distance and KLs after a slider's value
      const view = findView(args.readout);
      if (view !== undefined) view.el.setAttribute("aria-live", "polite");
      return;
    }
    case "button_click":
      state.dragging = null;
      reset(args);
      return;
    case "tap":
      movePoint(args, nearer(args, obj.x, obj.y), obj.x, obj.y);
      return;
    case "panstart":
      state.dragging = nearer(args, obj.x, obj.y);
      movePoint(args, state.dragging, obj.x, obj.y);
      return;
    case "pan":
      state.dragging ??= nearer(args, obj.x, obj.y);
      movePoint(args, state.dragging, obj.x, obj.y);
      return;
    case "panend":
      state.dragging = null;
      return;
    default:  // a slider
      if (!state.busy) recompute(args);
  }
}
