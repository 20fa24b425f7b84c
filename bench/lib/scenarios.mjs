/**
 * Every scenario of `npm run bench`, by name (BENCH_ONLY picks among them):
 * the five of issue 6 on moto (bench/lib/scenarios/moto.mjs, build.mjs), the
 * latency scenarios of issue 15 (latency.mjs: `latency`, `throttle`, `huge`),
 * the CLI's start-up (startup.mjs) and the framework build overhead of issue
 * 10 (frameworks.mjs). Each `run(ctx)` generates its inputs (seeded), then runs
 * the tools in an order rotated every repetition, so drift of the shared
 * machine spreads over all of them.
 */
import { build } from './scenarios/build.mjs'
import { frameworks } from './scenarios/frameworks.mjs'
import { LATENCY_SCENARIOS } from './scenarios/latency.mjs'
import { MOTO } from './scenarios/moto.mjs'
import { startup } from './scenarios/startup.mjs'

export { LATENCY } from './scenarios/common.mjs'
export { targetRows } from './targets.mjs'
export { frameworksTable, latencyTable, phaseTable } from './tables.mjs'

export const SCENARIOS = { build, ...MOTO, startup, ...LATENCY_SCENARIOS, frameworks }
