package dev.digitlab.serve;

import dev.digitlab.DigitlabException;
import dev.digitlab.data.ImagePrep;
import io.javalin.http.HttpResponseException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Image bodies made MNIST-like, a few at a time. A small compressed file can claim a huge picture (a 7.9 KB 1-bit
 * PNG of 6300x6300 decodes to some 290 MB on the way to 28x28): the header's size is checked before decoding, large
 * pictures are read subsampled, and only {@code concurrentDecodes} run at once, so the memory all decodes take
 * together is bounded. A request that waits more than {@link #WAIT_MS} for its turn is answered 503.
 */
final class ImageDecodes {
    static final long WAIT_MS = 500;

    private final Semaphore turns;
    private final int maxSide;
    private final int readSide;

    ImageDecodes(Limits limits) {
        this.turns = new Semaphore(limits.concurrentDecodes(), true);
        this.maxSide = limits.maxImageSide();
        this.readSide = limits.imageReadSide();
    }

    byte[] toMnist(byte[] body) {
        boolean got;
        try {
            got = turns.tryAcquire(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            got = false;
        }
        if (!got) {
            throw new HttpResponseException(503, "busy decoding other images; try again in a moment");
        }
        try {
            return ImagePrep.toMnist(ImagePrep.decode(body, "the request body", maxSide, readSide));
        } catch (DigitlabException e) {
            throw new BadRequest(e.getMessage());
        } finally {
            turns.release();
        }
    }
}
