/**
 * The Node flags wrend runs with (the systemd unit, the container image, the `wrend` shebang, the
 * tests, benchmarks and demo all pass these; test/unit/packaging checks they agree).
 *
 * --max-semi-space-size=2 caps V8's young generation at 2 MB per semi-space instead of 16: an idle
 * wrend holds 10 MB less, and peaks under load are 10-25 MB lower (bench: rr-1m 152 -> 137 MB,
 * churn-1m 185 -> 148 MB), at no measurable cost in time (docs/ARCHITECTURE.md, Memory). V8 reads
 * it only at start-up: it cannot be set from inside the process.
 */
export const WREND_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
