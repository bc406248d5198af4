// The live explorer's dynamics (natgrad_lib/js/live_explorer.mjs) against natgrad_lib.
//
// Run by tests/test_live_explorer.py, which computes the expected values with natgrad_lib at
// test time and passes the file's path in NATGRAD_JS_CASES:
//   node --test tests/js/live_explorer.test.mjs
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  CHARTS, descend, divergenceMessage, fromStd, klBall, overlayMessage, race, toStd,
} from "../../natgrad_lib/js/live_explorer.mjs";

const cases = JSON.parse(readFileSync(process.env.NATGRAD_JS_CASES, "utf8"));
const RTOL = cases.rtol;

// |theta_js - theta_py| / |theta_py| at each iterate (norms of the 2-vectors)
function relative(js, py) {
  return py.a.map((_, k) => Math.hypot(js.a[k] - py.a[k], js.b[k] - py.b[k]) / Math.hypot(py.a[k], py.b[k]));
}

// A run is chaotic when natgrad_lib's own run, with exp rounded one ulp up or down, departs by
// more than rtol (c[kind].chaotic, computed in Python; only the (mu, log sigma) chart calls exp).
// There V8's Math.exp, which rounds differently from the C library's exp for about one argument
// in ten, starts a difference of one ulp that the dynamics amplify. Such a run must agree to the
// last bits until its first difference, which must be at rounding level, and stop at the same
// step; every other run must agree to rtol.
const ROUNDING = 4 * Number.EPSILON;

test("trajectories equal natgrad_lib's and stop at the same step", () => {
  let worst = 0, early = 0, chaotic = 0, worstFirst = 0, messages = 0;
  for (const c of cases.runs) {
    const got = race(cases.xbar, cases.s2, c.mu0, c.sigma0, c.chart, c.lr, c.steps);
    for (const kind of ["gd", "ngd"]) {
      const what = `${kind} ${c.chart} lr=${c.lr} start=(${c.mu0}, ${c.sigma0}) steps=${c.steps}`;
      assert.equal(got[kind].a.length, c[kind].a.length, `${what}: stops at another step`);
      const rel = relative(got[kind], c[kind]);
      const w = Math.max(...rel);
      if (c.chart !== "mean_logstd") {
        // only + - * / and sqrt in these charts' steps, correctly rounded in both languages
        assert.equal(w, 0, `${what}: not bit for bit equal`);
      }
      if (w <= RTOL) {
        worst = Math.max(worst, w);
      } else {
        assert.ok(c[kind].chaotic, `${what}: relative difference ${w} in a run that is not chaotic`);
        const first = rel.find((d) => d > 0);
        assert.ok(first <= ROUNDING, `${what}: first difference ${first} is not at rounding level`);
        worstFirst = Math.max(worstFirst, first);
        chaotic++;
      }
      if (c[kind].a.length < c.steps + 1) early++;
    }
    if (!c.gd.chaotic && !c.ngd.chaotic) {  // a chaotic run's end, and so its loss, is its own
      assert.equal(divergenceMessage(cases.xbar, cases.s2, got, c.steps), c.message,
        `${c.chart} lr=${c.lr} start=(${c.mu0}, ${c.sigma0}) steps=${c.steps}: divergence message`);
      messages += c.message !== "";
    }
  }
  assert.ok(early >= cases.min_early, `only ${early} runs stopped early`);
  assert.ok(messages >= cases.min_early / 2, `only ${messages} races with a divergence message`);
  console.log("bit for bit equal in (mu, sigma), (mu, sigma^2), (mu, tau), (eta1, eta2); " +
    `worst relative difference JS vs natgrad_lib: ${worst.toExponential(2)} over ` +
    `${2 * cases.runs.length - chaotic} runs (${early} of all runs stopped early); ` +
    `${chaotic} chaotic runs agree until a first difference of at most ${worstFirst.toExponential(2)}; ` +
    `${messages} divergence messages equal`);
});

test("the overlay's message names the charts natgrad_lib stops early in", () => {
  let named = 0;
  for (const c of cases.runs) {
    const overlay = Object.fromEntries(CHARTS.map((chart) => [chart,
      descend(cases.xbar, cases.s2, fromStd(chart, c.mu0, c.sigma0), chart, c.lr, c.steps, true)]));
    assert.equal(overlayMessage(overlay, c.steps, cases.chart_names), c.overlay_message,
      `${c.chart} lr=${c.lr} start=(${c.mu0}, ${c.sigma0}) steps=${c.steps}`);
    named += c.overlay_message !== "";
  }
  assert.ok(named >= 20, `only ${named} overlay messages`);
});

test("display coordinates are the hub chart's", () => {
  for (const c of cases.runs.slice(0, 20)) {
    const got = race(cases.xbar, cases.s2, c.mu0, c.sigma0, c.chart, c.lr, c.steps).ngd;
    for (let k = 0; k < got.a.length; k++) {
      const [mu, sigma] = toStd(c.chart, got.a[k], got.b[k]);
      assert.equal(mu, got.mu[k]);
      assert.equal(sigma, got.sigma[k]);
    }
  }
});

test("the charts' maps invert each other", () => {
  for (const chart of CHARTS) {
    for (const [mu, sigma] of [[-1.5, 0.3], [2.0, 1.5], [40.0, 7.0]]) {
      const [a, b] = fromStd(chart, mu, sigma);
      const [m2, s2] = toStd(chart, a, b);
      assert.ok(Math.abs(m2 - mu) <= 1e-12 * Math.abs(mu) && Math.abs(s2 - sigma) <= 1e-12 * sigma, chart);
    }
  }
});

test("the KL ball equals natgrad_lib.geometry.kl_ellipse", () => {
  for (const ball of cases.balls) {
    const got = klBall(ball.mu, ball.sigma, ball.c, ball.x.length - 1);
    for (let i = 0; i < ball.x.length; i++) {
      assert.ok(Math.abs(got.x[i] - ball.x[i]) <= 1e-12 * Math.abs(ball.x[i]) + 1e-15, `x[${i}]`);
      assert.ok(Math.abs(got.y[i] - ball.y[i]) <= 1e-12 * Math.abs(ball.y[i]) + 1e-15, `y[${i}]`);
    }
  }
});

test("bad input raises a RangeError that names the argument", () => {
  assert.throws(() => descend(0, 1, [0, 1], "mean_sd", 0.1, 5, true), /chart must be one of/);
  assert.throws(() => descend(0, 1, [0, 1], "mean_std", 0, 5, true), /lr must be finite and > 0/);
  assert.throws(() => descend(0, 1, [0, 1], "mean_std", NaN, 5, true), /lr must be finite and > 0/);
  assert.throws(() => descend(0, 1, [0, 1], "mean_std", 0.1, -1, true), /steps must be an integer/);
  assert.throws(() => descend(0, 1, [0, 1], "mean_std", 0.1, 2.5, true), /steps must be an integer/);
  assert.throws(() => descend(0, 1, [0, -1], "mean_var", 0.1, 5, true), /theta0 .* outside the domain/);
  assert.throws(() => descend(0, 1, [0, 1], "natural", 0.1, 5, true), /theta0 .* outside the domain/);
});
