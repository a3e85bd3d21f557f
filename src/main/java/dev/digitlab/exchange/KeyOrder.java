package dev.digitlab.exchange;

/**
 * What a state_dict's key paths say about the order of their modules. PyTorch numbers the children of a Sequential
 * ({@code features.2}, {@code features.10}) and authors number their attributes ({@code conv1}, {@code conv2}), so
 * those parts order modules, as numbers; two different names ({@code features}, {@code classify}) say nothing.
 */
final class KeyOrder {
    private KeyOrder() {}

    /** Negative if {@code a}'s module comes before {@code b}'s, positive if after, 0 if the keys do not say. */
    static int known(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i].equals(y[i])) {
                continue;
            }
            Part p = Part.of(x[i]);
            Part q = Part.of(y[i]);
            return p.number() >= 0 && q.number() >= 0 && p.stem().equals(q.stem()) ? Long.compare(p.number(), q.number()) : 0;
        }
        return 0;
    }

    /** A total order that agrees with {@link #known}: numbered parts as numbers, names alphabetically. */
    static int natural(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            Part p = Part.of(x[i]);
            Part q = Part.of(y[i]);
            int c = p.stem().compareTo(q.stem());
            if (c == 0) {
                c = Long.compare(p.number(), q.number());
            }
            if (c == 0) {
                c = x[i].compareTo(y[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /** A key part as its name and trailing number ({@code conv12}: conv, 12; {@code 3}: "", 3; {@code head}: head, -1). */
    private record Part(String stem, long number) {
        static Part of(String part) {
            int i = part.length();
            while (i > 0 && Character.isDigit(part.charAt(i - 1)) && part.length() - i < 18) {
                i--;
            }
            return i == part.length() ? new Part(part, -1) : new Part(part.substring(0, i), Long.parseLong(part.substring(i)));
        }
    }
}
