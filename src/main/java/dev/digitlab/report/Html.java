package dev.digitlab.report;

import java.util.List;

/** A small builder for the report page: escaped text, images beside the page, tables; inline CSS, no scripts. */
final class Html {
    private final StringBuilder body = new StringBuilder();
    private String title = "digitlab report";

    void title(String t) {
        title = t;
        body.append("<h1>").append(esc(t)).append("</h1>\n");
    }

    void section(String heading) {
        body.append("<h2>").append(esc(heading)).append("</h2>\n");
    }

    void p(String trustedHtml) {
        body.append("<p>").append(trustedHtml).append("</p>\n");
    }

    void pre(String text) {
        body.append("<pre>").append(esc(text)).append("</pre>\n");
    }

    void img(String file, String alt) {
        body.append("<figure><a href=\"").append(esc(file)).append("\"><img src=\"").append(esc(file))
                .append("\" alt=\"").append(esc(alt)).append("\"></a><figcaption>").append(esc(alt))
                .append("</figcaption></figure>\n");
    }

    void table(List<String[]> rows) {
        body.append("<table>\n");
        for (int r = 0; r < rows.size(); r++) {
            body.append("<tr>");
            for (String cell : rows.get(r)) {
                String tag = r == 0 ? "th" : "td";
                body.append('<').append(tag).append('>').append(esc(cell)).append("</").append(tag).append('>');
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public String toString() {
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n"
                + "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:1.5rem auto;padding:0 1rem;color:#1d2330}"
                + "h2{margin-top:2.2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}figure{display:inline-block;margin:.6rem;"
                + "vertical-align:top}img{max-width:100%;border:1px solid #eee}figcaption{color:#667;font-size:.85rem}"
                + "table{border-collapse:collapse;margin:.8rem 0}td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;"
                + "text-align:right}pre{background:#f6f7fb;padding:.8rem;overflow:auto;font-size:.8rem}</style></head>\n<body>\n"
                + body + "</body></html>\n";
    }
}
