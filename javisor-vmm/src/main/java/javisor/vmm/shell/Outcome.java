package javisor.vmm.shell;

import java.util.OptionalInt;

/** How a command ended: it succeeded, it failed (its errors are already printed), or the shell is to exit. */
sealed interface Outcome {
    Outcome SUCCESS = new Success();
    Outcome FAILURE = new Failure();

    record Success() implements Outcome {
    }

    record Failure() implements Outcome {
    }

    /** {@code exit [CODE]}: leave the shell with CODE, or with the status the commands so far give. */
    record Exit(OptionalInt code) implements Outcome {
    }
}
