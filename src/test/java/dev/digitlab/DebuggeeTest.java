package dev.digitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A place to stop that names a method its class does not have fails when it is named, saying which. */
class DebuggeeTest {
    @Test
    void aMethodThatIsNotThereIsNamedInTheFailure() {
        assertThat(Debuggee.at(AtomicFiles.class, "move").method()).isEqualTo("move");
        assertThatThrownBy(() -> Debuggee.at(AtomicFiles.class, "moveAtomically"))
                .hasMessageStartingWith("dev.digitlab.AtomicFiles has no method 'moveAtomically' (renamed or moved?)")
                .hasMessageContaining("move");
    }
}
