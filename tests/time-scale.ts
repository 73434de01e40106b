/**
 * Time limits of tests that wait on real processes scale with DAMON_TS_TEST_TIME_SCALE: the VM tests
 * (tests/vm) run the kernel tests on an emulated CPU, several times slower than this one.
 */
export const TIME_SCALE = Math.max(1, Number(process.env.DAMON_TS_TEST_TIME_SCALE) || 1);

export const scaled = (ms: number): number => Math.round(ms * TIME_SCALE);
