package org.bole.client.tests;

import bole.Bole;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * The Java side of the shared encoding vectors: builds each described
 * bole.Request through the descriptors (proto field names, enums by name)
 * and compares its bytes with the expected hex.
 */
public final class VectorsCheck {
    @SuppressWarnings("unchecked")
    static void fill(Message.Builder b, Map<String, Object> obj) {
        for (Map.Entry<String, Object> e : obj.entrySet()) {
            FieldDescriptor f = b.getDescriptorForType().findFieldByName(e.getKey());
            if (f == null) throw new IllegalArgumentException("unknown field " + e.getKey());
            if (f.isRepeated()) {
                for (Object v : (List<Object>) e.getValue()) b.addRepeatedField(f, scalar(b, f, v));
            } else {
                b.setField(f, scalar(b, f, e.getValue()));
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Object scalar(Message.Builder b, FieldDescriptor f, Object v) {
        switch (f.getJavaType()) {
            case MESSAGE: {
                Message.Builder sub = b.newBuilderForField(f);
                fill(sub, (Map<String, Object>) v);
                return sub.build();
            }
            case ENUM:
                return v instanceof String && !Character.isDigit(((String) v).charAt(0))
                    && f.getEnumType().findValueByName((String) v) != null
                    ? f.getEnumType().findValueByName((String) v)
                    : f.getEnumType().findValueByNumber(Integer.parseInt((String) v));
            case STRING: return v;
            case BOOLEAN: return v;
            case INT: return (int) Long.parseLong((String) v);
            case LONG: return new java.math.BigInteger((String) v).longValue();
            case FLOAT: return Float.parseFloat((String) v);
            case DOUBLE: return Double.parseDouble((String) v);
            default: throw new IllegalArgumentException("unsupported type of " + f.getName());
        }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        String text = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        Map<String, Object> doc = (Map<String, Object>) Json.parse(text);
        List<Object> vs = (List<Object>) doc.get("vectors");
        int failures = 0;
        for (Object o : vs) {
            Map<String, Object> v = (Map<String, Object>) o;
            Bole.Request.Builder b = Bole.Request.newBuilder();
            fill(b, (Map<String, Object>) v.get("request"));
            StringBuilder hex = new StringBuilder();
            for (byte x : b.build().toByteArray()) hex.append(String.format("%02x", x & 0xff));
            if (hex.toString().equals(v.get("hex"))) {
                System.out.println("ok   " + v.get("name") + " (" + hex.length() / 2 + " bytes)");
            } else {
                failures++;
                System.out.println("FAIL " + v.get("name") + "\n  expected " + v.get("hex") + "\n  got      " + hex);
            }
        }
        if (vs.size() < 10) { System.out.println("FAIL: expected at least 10 vectors"); failures++; }
        System.out.println(vs.size() + " vectors, " + failures + " failures");
        System.exit(failures == 0 ? 0 : 1);
    }
}
