package dev.digitlab;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test that takes more than a unit test's seconds or more than this JVM: a browser, child processes, training or a
 * whole pass on real MNIST, a fuzzer's thousands of cases, a load. {@code ./run-tests --fast} leaves these out so
 * that the rest runs in under two minutes; {@code ./run-tests} (CI) runs everything.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(Slow.TAG)
public @interface Slow {
    /** The JUnit tag, which run-tests --fast excludes by name. */
    String TAG = "slow";
}
