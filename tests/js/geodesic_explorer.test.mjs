// The geodesic explorer's numerics (natgrad_lib/js/geodesic_explorer.mjs) against natgrad_lib.
//
// Run by tests/test_live_geodesic.py, which computes the expected values with natgrad_lib at
// test time and passes the file's path in NATGRAD_JS_CASES:
//   node --test tests/js/geodesic_explorer.test.mjs
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  density, densityTop, fisherRaoDistance, geodesic, klDivergence, readout,
} from "../../natgrad_lib/js/geodesic_explorer.mjs";

const cases = JSON.parse(readFileSync(process.env.NATGRAD_JS_CASES, "utf8"));
const RTOL = cases.rtol;

// |js - py| / |py|, and 0 when both are 0 (equal points: distance and KL exactly 0)
function relative(js, py) {
  if (js === py) return 0;
  return Math.abs(js - py) / Math.abs(py);
}

const name = (c) => `(${c.mu1}, ${c.s1}) to (${c.mu2}, ${c.s2})`;

test("Fisher-Rao distance and both KLs equal natgrad_lib's", () => {
  const worst = { d: 0, kl12: 0, kl21: 0 };
  let zeros = 0;
  for (const c of cases.pairs) {
    const got = {
      d: fisherRaoDistance(c.mu1, c.s1, c.mu2, c.s2),
      kl12: klDivergence(c.mu1, c.s1, c.mu2, c.s2),
      kl21: klDivergence(c.mu2, c.s2, c.mu1, c.s1),
    };
    for (const key of ["d", "kl12", "kl21"]) {
      const rel = relative(got[key], c[key]);
      assert.ok(rel <= RTOL, `${key} ${name(c)}: ${got[key]} against ${c[key]}, relative ${rel}`);
      worst[key] = Math.max(worst[key], rel);
    }
    zeros += c.d === 0;
  }
  assert.ok(zeros >= 1, "the grid holds no pair of equal points");
  console.log(`worst relative difference JS vs natgrad_lib over ${cases.pairs.length} pairs: ` +
    `distance ${worst.d.toExponential(2)}, KL(p1||p2) ${worst.kl12.toExponential(2)}, ` +
    `KL(p2||p1) ${worst.kl21.toExponential(2)}`);
});

test("geodesic points equal natgrad_lib's", () => {
  let worst = 0, points = 0;
  for (const c of cases.pairs) {
    const got = geodesic(c.mu1, c.s1, c.mu2, c.s2, c.geodesic.mu.length);
    assert.deepEqual(got.t, c.geodesic.t, `${name(c)}: the parameters are not numpy.linspace's`);
    for (let i = 0; i < got.mu.length; i++) {
      // relative to the point's size in the half-plane: mu = 0 is a point like any other
      const scale = Math.hypot(c.geodesic.mu[i], c.geodesic.sigma[i]);
      const rel = Math.hypot(got.mu[i] - c.geodesic.mu[i], got.sigma[i] - c.geodesic.sigma[i]) / scale;
      assert.ok(rel <= RTOL, `${name(c)} point ${i}: (${got.mu[i]}, ${got.sigma[i]}) against ` +
        `(${c.geodesic.mu[i]}, ${c.geodesic.sigma[i]}), relative ${rel}`);
      worst = Math.max(worst, rel);
      points++;
    }
    // the ends are the two points
    assert.ok(relative(got.mu[0], c.mu1) <= RTOL && relative(got.sigma[0], c.s1) <= RTOL, name(c));
  }
  console.log(`worst relative difference of geodesic points JS vs natgrad_lib: ${worst.toExponential(2)} ` +
    `over ${points} points`);
});

test("the densities and the readout", () => {
  for (const c of cases.densities) {
    const got = density(c.mu, c.sigma, c.x);
    got.forEach((v, i) => assert.ok(relative(v, c.y[i]) <= RTOL, `density (${c.mu}, ${c.sigma}) at ${c.x[i]}`));
  }
  for (const c of cases.tops) {
    assert.ok(relative(densityTop(c.s1, c.s2, c.headroom), c.top) <= RTOL, `densityTop(${c.s1}, ${c.s2})`);
  }
  for (const c of cases.readouts) {
    assert.equal(readout(c.mu1, c.s1, c.mu2, c.s2, c.digits).html, c.html, name(c));
  }
});

test("bad input raises a RangeError that names the argument", () => {
  assert.throws(() => fisherRaoDistance(0, 0, 0, 1), /theta1 must be a finite/);
  assert.throws(() => fisherRaoDistance(0, 1, NaN, 1), /theta2 must be a finite/);
  assert.throws(() => klDivergence(0, 1, 0, -1), /theta_q must be a finite/);
  assert.throws(() => geodesic(0, 1, 1, 1, 1), /n must be an integer >= 2/);
  assert.throws(() => density(0, 0, [0]), /theta must be a finite/);
});
