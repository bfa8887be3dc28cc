package javisor.virtio.queue;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Seeded fuzz iterations for plain JUnit (Jazzer is not in this project's offline repository). Iteration {@code i}
 * runs on {@code new SplittableRandom(base + i)}. The base seed is fixed, so that a build fails or passes the same
 * way every time; {@code -Djavisor.fuzz.seed=random} (with more iterations) explores, {@code -Djavisor.fuzz.seed=S}
 * sets it. A failure names its iteration's seed, so that
 * {@code -Djavisor.fuzz.seed=S -Djavisor.fuzz.iterations=1} replays exactly that iteration. The iterations run on
 * a thread of their own, watched: one that takes longer than its bound (a loop that does not end) fails the test
 * with its seed and where it was stuck.
 */
public final class Fuzzing {
    public static final String SEED = "javisor.fuzz.seed";
    public static final String ITERATIONS = "javisor.fuzz.iterations";
    private static final long FIXED_SEED = 0x6a61_7669_736f_7200L; // "javisor\0"

    @FunctionalInterface
    public interface Iteration {
        void run(SplittableRandom random) throws Exception;
    }

    private Fuzzing() {
    }

    /** Runs {@code body} for the configured number of iterations (default {@code iterations}). */
    public static void run(String name, int iterations, Duration perIteration, Iteration body)
            throws InterruptedException {
        String s = System.getProperty(SEED);
        long base = s == null ? FIXED_SEED
                : s.equals("random") ? new SplittableRandom().nextLong()
                : Long.parseUnsignedLong(s.replaceFirst("^0x", ""), s.startsWith("0x") ? 16 : 10);
        int n = Integer.getInteger(ITERATIONS, iterations);
        var state = new Object() {
            volatile long seed;
            volatile long startedAt;
            volatile Throwable failure;
            volatile int done;
        };
        Thread worker = Thread.ofPlatform().daemon().name("fuzz " + name).unstarted(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    state.seed = base + i;
                    state.startedAt = System.nanoTime();
                    body.run(new SplittableRandom(base + i));
                    state.done = i + 1;
                }
            } catch (Throwable t) {
                state.failure = t;
            }
        });
        state.startedAt = System.nanoTime();
        worker.start();
        while (!worker.join(Duration.ofMillis(50))) {
            if (System.nanoTime() - state.startedAt > perIteration.toNanos()) {
                String stack = Arrays.stream(worker.getStackTrace()).map(e -> "\tat " + e)
                        .collect(Collectors.joining("\n"));
                throw new AssertionError("fuzz " + name + ": iteration " + state.done + " has not ended after "
                        + perIteration.toMillis() + " ms; " + replay(state.seed) + "; it is at\n" + stack);
            }
        }
        if (state.failure != null) {
            throw new AssertionError("fuzz " + name + ": iteration " + state.done + " failed; " + replay(state.seed)
                    + ": " + state.failure, state.failure);
        }
    }

    private static String replay(long seed) {
        return "seed 0x" + Long.toHexString(seed) + " (replay: -D" + SEED + "=0x" + Long.toHexString(seed) + " -D"
                + ITERATIONS + "=1)";
    }
}
