// The kernel-free explorer: gradient descent and natural gradient descent on the mean negative
// log-likelihood of a Gaussian, recomputed in the reader's browser.
//
// Two halves in one ES module, because Bokeh embeds a CustomJS module as one blob:
//   1. The dynamics (named exports): a line-by-line port of natgrad_lib.optimizers._descend and
//      of the chart maps in natgrad_lib.charts. Same floating-point operations in the same order,
//      same domains, same stopping rules, so a path here equals natgrad_lib's to rounding and
//      stops at the same step. tests/js/live_explorer.test.mjs holds the two to 1e-10.
//   2. The Bokeh glue (default export): what every control change, click or drag runs.
//
// Nothing here draws: Bokeh does, from the ColumnDataSources this module fills.

export const CHARTS = ["mean_std", "mean_var", "mean_precision", "mean_logstd", "natural"];

const HALF_LOG_2PI = 0.5 * Math.log(2.0 * Math.PI);

// --- charts: maps to and from the hub chart (mu, sigma), as in natgrad_lib.charts ---------------

const TO_STD = {
  mean_std: (a, b) => [a, b],
  mean_var: (a, b) => [a, Math.sqrt(b)],
  mean_precision: (a, b) => [a, 1.0 / Math.sqrt(b)],
  mean_logstd: (a, b) => [a, b < 709.0 ? Math.exp(b) : Infinity],
  natural: (a, b) => {
    const v = -0.5 / b;
    return [a * v, Math.sqrt(v)];
  },
};

const FROM_STD = {
  mean_std: (mu, sigma) => [mu, sigma],
  mean_var: (mu, sigma) => [mu, sigma * sigma],
  mean_precision: (mu, sigma) => [mu, 1.0 / (sigma * sigma)],
  mean_logstd: (mu, sigma) => [mu, Math.log(sigma)],
  natural: (mu, sigma) => {
    const v = sigma * sigma;
    return [mu / v, -0.5 / v];
  },
};

const IN_DOMAIN = {
  mean_std: (a, b) => b > 0.0,
  mean_var: (a, b) => b > 0.0,
  mean_precision: (a, b) => b > 0.0,
  mean_logstd: () => true,
  natural: (a, b) => b < 0.0,
};

// d(mu, sigma)/d(theta), rows, at a point whose hub coordinates are known
function jacToStd(chart, a, b, mu, sigma) {
  switch (chart) {
    case "mean_std": return [[1.0, 0.0], [0.0, 1.0]];
    case "mean_var": return [[1.0, 0.0], [0.0, 0.5 / sigma]];
    case "mean_precision": return [[1.0, 0.0], [0.0, -0.5 * sigma * sigma * sigma]];
    case "mean_logstd": return [[1.0, 0.0], [0.0, sigma]];
    default: {
      const v = sigma * sigma;
      return [[v, 2.0 * mu * v], [0.0, v * sigma]];
    }
  }
}

// d(theta)/d(mu, sigma), rows
function jacFromStd(chart, mu, sigma) {
  switch (chart) {
    case "mean_std": return [[1.0, 0.0], [0.0, 1.0]];
    case "mean_var": return [[1.0, 0.0], [0.0, 2.0 * sigma]];
    case "mean_precision": return [[1.0, 0.0], [0.0, -2.0 / (sigma * sigma * sigma)]];
    case "mean_logstd": return [[1.0, 0.0], [0.0, 1.0 / sigma]];
    default: {
      const v = sigma * sigma;
      return [[1.0 / v, -2.0 * mu / (v * sigma)], [0.0, 1.0 / (v * sigma)]];
    }
  }
}

function checkChart(chart) {
  if (!CHARTS.includes(chart)) {
    throw new RangeError(`chart must be one of ${CHARTS.join(", ")}; got ${chart}`);
  }
}

/** Hub coordinates (mu, sigma) of a point of `chart`. */
export function toStd(chart, a, b) {
  checkChart(chart);
  return TO_STD[chart](a, b);
}

/** Coordinates in `chart` of N(mu, sigma^2). */
export function fromStd(chart, mu, sigma) {
  checkChart(chart);
  return FROM_STD[chart](mu, sigma);
}

/** Mean NLL L = log(2 pi)/2 + log sigma + (s2 + (xbar - mu)^2) / (2 sigma^2). */
export function loss(xbar, s2, mu, sigma) {
  const d = xbar - mu;
  const m2 = s2 + d * d;
  return HALF_LOG_2PI + Math.log(sigma) + 0.5 * m2 * (1.0 / (sigma * sigma));
}

/**
 * Gradient descent (natural = false) or natural gradient descent (natural = true) in `chart`,
 * from theta0, on the mean NLL of data with sufficient statistics (xbar, s2).
 *
 * theta^{k+1} = theta^k - lr g            (GD, g the chart gradient)
 * theta^{k+1} = theta^k - lr F^{-1} g     (natural GD, F the Fisher of one observation)
 *
 * Returns {a, b, mu, sigma}: arrays of the iterates in chart and in (mu, sigma) coordinates,
 * theta0 first. A run ends early, like natgrad_lib's, when the next iterate would leave the
 * chart's domain or stop being finite; the arrays then hold fewer than steps + 1 points.
 */
export function descend(xbar, s2, theta0, chart, lr, steps, natural) {
  checkChart(chart);
  if (!(Number.isFinite(lr) && lr > 0)) throw new RangeError(`lr must be finite and > 0; got ${lr}`);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new RangeError(`steps must be an integer >= 0; got ${steps}`);
  const toStd = TO_STD[chart], inDomain = IN_DOMAIN[chart], isFinite = Number.isFinite;
  let a = theta0[0], b = theta0[1];
  if (!(isFinite(a) && isFinite(b) && inDomain(a, b))) {
    throw new RangeError(`theta0 = [${a}, ${b}] is outside the domain of chart ${chart}`);
  }
  let [mu, sigma] = toStd(a, b);
  const out = { a: [a], b: [b], mu: [mu], sigma: [sigma] };
  for (let k = 0; k < steps; k++) {
    const d = xbar - mu;
    const m2 = s2 + d * d;
    const invVar = 1.0 / (sigma * sigma);
    let da, db;
    if (natural) {
      // F^{-1} g in (mu, sigma) is (sigma^2 g_mu, sigma^2 g_sigma / 2), pushed into the chart
      const nMu = -d, nSigma = 0.5 * (sigma - m2 / sigma);
      const [[j11, j12], [j21, j22]] = jacFromStd(chart, mu, sigma);
      da = j11 * nMu + j12 * nSigma;
      db = j21 * nMu + j22 * nSigma;
    } else {
      const gMu = -d * invVar, gSigma = (1.0 - m2 * invVar) / sigma;
      const [[j11, j12], [j21, j22]] = jacToStd(chart, a, b, mu, sigma);
      da = j11 * gMu + j21 * gSigma;
      db = j12 * gMu + j22 * gSigma;
    }
    const aNext = a - lr * da, bNext = b - lr * db;
    if (!(isFinite(aNext) && isFinite(bNext) && inDomain(aNext, bNext))) break;
    const [muNext, sigmaNext] = toStd(aNext, bNext);
    if (!(isFinite(muNext) && isFinite(sigmaNext) && sigmaNext > 0.0)) break;
    // Python raises ZeroDivisionError where sigma^2 underflows; here 1/0 = inf, and the next
    // iterate stops being finite at the same step, so the two stop together.
    a = aNext; b = bNext; mu = muNext; sigma = sigmaNext;
    out.a.push(a); out.b.push(b); out.mu.push(mu); out.sigma.push(sigma);
  }
  return out;
}

/** GD and natural GD from N(mu0, sigma0^2), both run in `chart` (natgrad_lib.widgets.race). */
export function race(xbar, s2, mu0, sigma0, chart, lr, steps) {
  const theta0 = fromStd(chart, mu0, sigma0);
  return {
    gd: descend(xbar, s2, theta0, chart, lr, steps, false),
    ngd: descend(xbar, s2, theta0, chart, lr, steps, true),
  };
}

const NAMES = { gd: "gradient descent", ngd: "natural gradient descent" };

/**
 * One line per run that diverged, else "" (natgrad_lib.widgets.divergence_message): a run
 * diverged when it stopped early or when its loss at the end is not below its loss at the start.
 */
export function divergenceMessage(xbar, s2, paths, steps) {
  const notes = [];
  for (const kind of ["gd", "ngd"]) {
    const p = paths[kind];
    const done = p.mu.length - 1;
    if (done < steps) {
      notes.push(`${NAMES[kind]} stopped after ${done} of ${steps} steps: its next step would leave ` +
        "the chart's domain or overflow; lower the learning rate");
    } else {
      const first = loss(xbar, s2, p.mu[0], p.sigma[0]);
      const last = loss(xbar, s2, p.mu[done], p.sigma[done]);
      if (!(last <= first)) {
        notes.push(`${NAMES[kind]} is diverging: its loss grew over ${steps} steps; lower the learning rate`);
      }
    }
  }
  return notes.join("\n");
}

/**
 * A line naming the charts whose natural-GD overlay stopped early, else "" (natgrad_lib.live's
 * overlay_message): without it such a curve would just be missing.
 */
export function overlayMessage(overlay, steps, chartNames) {
  const stopped = CHARTS.filter((c) => overlay[c].a.length > 0 && overlay[c].a.length < steps + 1);
  if (stopped.length === 0) return "";
  return `natural GD stopped early in ${stopped.map((c) => chartNames[c]).join(", ")}: its next step ` +
    "would leave that chart's domain";
}

/**
 * The KL ball (1/2) delta^T F delta = c around N(mu, sigma^2), in (mu, sigma) coordinates,
 * where F = diag(1/sigma^2, 2/sigma^2): natgrad_lib.geometry.kl_ellipse, closed.
 */
export function klBall(mu, sigma, c, nPoints = 64) {
  const r = Math.sqrt(2.0 * c);
  const x = [], y = [];
  for (let i = 0; i <= nPoints; i++) {
    const t = (2.0 * Math.PI * (i % nPoints)) / nPoints;
    x.push(mu + r * sigma * Math.cos(t));
    y.push(sigma + r * (sigma / Math.SQRT2) * Math.sin(t));
  }
  return { x, y };
}

// --- the page's state --------------------------------------------------------------------------

// The paths last computed, the Play timer, the plot's view (found once) and Bokeh's index of views.
const state = { timer: null, busy: false, view: undefined, index: undefined };

// --- drawing what moves ------------------------------------------------------------------------
//
// Bokeh draws what stays (contours, MLE, axes, legend) on its primary canvas. What moves (the
// paths, their dots, the KL ball, the start) is drawn here, on Bokeh's overlay canvas above it,
// at once, in the task of the key press or drag that moved it. Bokeh's own redraw of a glyph goes
// through a layout check, data masking and per-point styling, and waits for an animation frame:
// at a phone's speed that was most of the time from a key press to the drawn plot
// (benchmarks/bench_live_explorer.py). The sources stay the record of what is drawn.

// The plot's view, searched down from the root views Bokeh gives the callback (its `index`).
function findPlotView(plot) {
  const find = (view) => view.model === plot ? view : view.children_views().map(find).find(Boolean);
  for (const root of state.index?.roots ?? []) {
    const view = root.model.document === plot.document ? find(root) : undefined;
    if (view !== undefined) return view;
  }
  return undefined;
}

function polyline(ctx, xs, ys, sx, sy) {
  ctx.beginPath();
  for (let i = 0; i < xs.length; i++) {
    if (i === 0) ctx.moveTo(sx(xs[i]), sy(ys[i]));
    else ctx.lineTo(sx(xs[i]), sy(ys[i]));
  }
}

/** Draw the sources of what moves on the plot's overlay canvas, clipped to the plot's frame. */
export function drawMoving(args) {
  const view = state.view ?? findPlotView(args.plot);
  if (view === undefined) return false;  // not embedded yet: the first paint draws it
  if (state.view !== view) {
    state.view = view;
    // Bokeh clears the overlay canvas when it repaints it (a resize, a change of the legend):
    // draw again after every repaint of Bokeh's
    view.repainted.connect(() => drawMoving(args));
  }
  const { sources, style } = args;
  const layer = view.canvas_view.overlays;
  const f = view.frame.bbox, xr = args.plot.x_range, yr = args.plot.y_range;
  const kx = f.width / (xr.end - xr.start), ky = f.height / (yr.end - yr.start);
  const sx = (x) => f.left + (x - xr.start) * kx, sy = (y) => f.top + (yr.end - y) * ky;
  const ctx = layer.prepare();  // cleared, and scaled for the screen's pixel ratio
  ctx.beginPath();
  ctx.rect(f.left, f.top, f.width, f.height);
  ctx.clip();
  ctx.lineJoin = "round";
  ctx.lineCap = "butt";
  for (const chart of CHARTS) {
    const data = sources[`ngd_${chart}`].data;
    if (data.x.length === 0) continue;
    ctx.strokeStyle = style.overlay.color;
    ctx.globalAlpha = style.overlay.alpha;
    ctx.lineWidth = style.overlay.width;
    ctx.setLineDash(style.overlay.dash[chart]);
    polyline(ctx, data.x, data.y, sx, sy);
    ctx.stroke();
  }
  ctx.globalAlpha = 1.0;
  ctx.setLineDash([]);
  for (const kind of ["gd", "ngd"]) {
    const data = sources[kind].data, s = style[kind];
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width;
    polyline(ctx, data.x, data.y, sx, sy);
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.beginPath();
    for (let i = 0; i < data.x.length; i++) {
      const x = sx(data.x[i]), y = sy(data.y[i]);
      ctx.moveTo(x + s.dot, y);
      ctx.arc(x, y, s.dot, 0, 2 * Math.PI);
    }
    ctx.fill();
  }
  const ball = sources.ball.data;
  if (ball.x.length > 0) {
    ctx.strokeStyle = style.ball.color;
    ctx.lineWidth = style.ball.width;
    polyline(ctx, ball.x, ball.y, sx, sy);
    ctx.stroke();
  }
  const start = sources.start.data, s = style.start;
  ctx.beginPath();
  ctx.arc(sx(start.x[0]), sy(start.y[0]), s.radius, 0, 2 * Math.PI);
  ctx.fillStyle = s.fill;
  ctx.fill();
  ctx.strokeStyle = s.line;
  ctx.lineWidth = s.width;
  ctx.stroke();
  layer.finish();
  return true;
}

// --- the Bokeh glue ---------------------------------------------------------------------------

function settings(args) {
  const { controls } = args;
  return {
    lr: 10 ** controls.log_lr.value,
    steps: Math.round(controls.steps.value),
    chart: CHARTS[controls.chart.active],
    mu0: controls.mu0.value,
    sigma0: controls.sigma0.value,
    allCharts: controls.overlay.active.includes(0),
    klBall: controls.overlay.active.includes(1),
    iteration: Math.round(controls.iteration.value),
  };
}

function columns(path, upTo) {
  const n = Math.min(path.mu.length, upTo + 1);
  return { x: path.mu.slice(0, n), y: path.sigma.slice(0, n), a: path.a.slice(0, n), b: path.b.slice(0, n) };
}

// Recompute the paths (on any change but the scrubber) and redraw up to the scrubber's iteration.
function recompute(args) {
  const s = settings(args);
  const { stats, sources } = args;
  const paths = race(stats.xbar, stats.s2, s.mu0, s.sigma0, s.chart, s.lr, s.steps);
  const overlay = {};
  for (const chart of CHARTS) {
    overlay[chart] = s.allCharts
      ? descend(stats.xbar, stats.s2, fromStd(chart, s.mu0, s.sigma0), chart, s.lr, s.steps, true)
      : { a: [], b: [], mu: [], sigma: [] };
  }
  state.paths = paths;
  state.overlay = overlay;
  for (const item of args.legend_items.overlay) item.visible = s.allCharts;
  for (const item of args.legend_items.ball) item.visible = s.klBall;
  args.message.text = [divergenceMessage(stats.xbar, stats.s2, paths, s.steps),
    overlayMessage(overlay, s.steps, args.chart_names)].filter((m) => m !== "").join("\n");
  args.message.visible = args.message.text !== "";
  // the settings the paths were computed with stay on the page, beside the paths
  sources.start.data = { x: [s.mu0], y: [s.sigma0], lr: [s.lr], steps: [s.steps], chart: [s.chart] };
  const it = args.controls.iteration;
  if (it.end !== s.steps) it.end = s.steps;
  if (it.value !== s.steps) {
    state.busy = true;  // the scrubber's own callback must not redraw a second time
    it.value = s.steps;
    state.busy = false;
  }
  redraw(args, s.steps);
}

function redraw(args, k) {
  const { sources, stats } = args;
  sources.gd.data = columns(state.paths.gd, k);
  sources.ngd.data = columns(state.paths.ngd, k);
  for (const chart of CHARTS) sources[`ngd_${chart}`].data = columns(state.overlay[chart], k);
  const ngd = state.paths.ngd;
  const j = Math.min(k, ngd.mu.length - 1);
  const ball = args.controls.overlay.active.includes(1) ? klBall(ngd.mu[j], ngd.sigma[j], stats.kl_radius) : { x: [], y: [] };
  sources.ball.data = ball;
  args.counter.text = `iteration ${k} of ${Math.round(args.controls.steps.value)}`;
  drawMoving(args);
}

function stopPlaying(args) {
  if (state.timer !== null) clearInterval(state.timer);
  state.timer = null;
  if (args.controls.play.active) args.controls.play.active = false;
  args.controls.play.label = "▶ Play";
}

function play(args) {
  const it = args.controls.iteration;
  if (it.value >= it.end) it.value = 0;
  args.controls.play.label = "❚❚ Pause";
  // about four seconds for a whole run, whatever the number of steps
  const stride = Math.max(1, Math.round(it.end / 80));
  state.timer = setInterval(() => {
    if (it.value >= it.end) { stopPlaying(args); return; }
    it.value = Math.min(it.end, it.value + stride);
  }, 50);
}

function setStart(args, mu, sigma) {
  const { mu0, sigma0 } = args.controls;
  // inside the sliders' ranges, so that the sliders show the start that is used
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  state.busy = true;
  mu0.value = clamp(mu, mu0.start, mu0.end);
  sigma0.value = clamp(sigma, sigma0.start, sigma0.end);
  state.busy = false;
  recompute(args);
}

function reset(args) {
  stopPlaying(args);
  const c = args.controls, d = args.defaults;
  state.busy = true;
  c.log_lr.value = d.log_lr; c.steps.value = d.steps; c.chart.active = d.chart;
  c.mu0.value = d.mu0; c.sigma0.value = d.sigma0; c.overlay.active = d.overlay;
  state.busy = false;
  recompute(args);
}

// Which control fired: a model whose property changed, or a UI event (tap, pan, button click).
function actionOf(args, obj) {
  const c = args.controls;
  if (obj != null && typeof obj.event_name === "string") {
    return obj.event_name === "button_click" ? "reset" : obj.event_name;
  }
  if (obj === c.iteration) return "iteration";
  if (obj === c.play) return "play";
  return "control";
}

/** What Bokeh runs on every change, click and drag (one CustomJS, so one module and one state). */
export default function update(args, obj, data, context) {
  state.index ??= context?.index;
  const action = actionOf(args, obj);
  if (action === "draw") {  // once embedded: the paths Python computed, drawn as they are
    drawMoving(args);
    return;
  }
  if (state.paths === undefined && action !== "control") recompute(args);
  switch (action) {
    case "iteration":
      if (!state.busy) redraw(args, Math.round(obj.value));
      return;
    case "play":
      if (obj.active && state.timer === null) play(args);
      else if (!obj.active) stopPlaying(args);
      return;
    case "reset":
      reset(args);
      return;
    case "tap":
    case "panstart":
    case "pan":
      stopPlaying(args);
      setStart(args, obj.x, obj.y);
      return;
    default:
      if (state.busy) return;
      stopPlaying(args);
      recompute(args);
  }
}
