package dev.digitlab.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.digitlab.data.Digits;
import dev.digitlab.data.ImagePrep;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Turns request bodies into 28x28 images the way {@code predict} does, or says exactly what is wrong. */
final class Inputs {
    static final int MAX_BATCH = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Inputs() {}

    static JsonNode json(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new BadRequest("the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("malformed JSON: " + e.getMessage());
        }
    }

    /**
     * 784 values, or 28 rows of 28, each 0-255. With {@code preprocess} they are treated as a picture and made
     * MNIST-like (crop, scale, centre) exactly as an uploaded image would be; without, they go to the model as they are.
     */
    static byte[] pixels(JsonNode node, String field, boolean preprocess) {
        String shape = Digits.PIXELS + " values or " + Digits.SIDE + " rows of " + Digits.SIDE;
        if (node == null || !node.isArray()) {
            throw new BadRequest("'" + field + "' must be an array of " + shape);
        }
        List<JsonNode> values = new ArrayList<>(Digits.PIXELS);
        if (node.size() == Digits.SIDE && node.get(0).isArray()) {
            for (int r = 0; r < Digits.SIDE; r++) {
                JsonNode row = node.get(r);
                if (!row.isArray() || row.size() != Digits.SIDE) {
                    throw new BadRequest("'" + field + "' row " + r + " must hold " + Digits.SIDE + " values");
                }
                row.forEach(values::add);
            }
        } else if (node.size() == Digits.PIXELS) {
            node.forEach(values::add);
        } else {
            throw new BadRequest("'" + field + "' holds " + node.size() + " values; expected " + shape);
        }
        byte[] px = new byte[Digits.PIXELS];
        for (int i = 0; i < Digits.PIXELS; i++) {
            JsonNode v = values.get(i);
            if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 255)) {
                throw new BadRequest("'" + field + "' value " + i + " is " + v + "; expected a number 0-255");
            }
            px[i] = (byte) Math.round(v.asDouble());
        }
        if (!preprocess) {
            return px;
        }
        BufferedImage img = new BufferedImage(Digits.SIDE, Digits.SIDE, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < Digits.PIXELS; i++) {
            img.getRaster().setSample(i % Digits.SIDE, i / Digits.SIDE, 0, px[i] & 0xff);
        }
        return ImagePrep.toMnist(img);
    }

    static boolean flag(JsonNode body, String name, boolean fallback) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new BadRequest("'" + name + "' must be true or false");
        }
        return v.asBoolean();
    }

    static String text(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new BadRequest("'" + name + "' must be a string");
        }
        return v.asText();
    }

    /** An optional array of strings, at most 16 of them; null when absent. */
    static List<String> texts(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.size() > 16) {
            throw new BadRequest("'" + name + "' must be an array of at most 16 strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual()) {
                throw new BadRequest("'" + name + "' must be an array of strings");
            }
            out.add(x.asText());
        }
        return out;
    }
}
