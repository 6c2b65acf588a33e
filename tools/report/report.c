/*
 * report.c - the HTML report (see report.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Bole__Response *report_fetch(bole_client_t *c, int dimension, const report_options_t *o)
{
    Bole__TrendsRequest t = BOLE__TRENDS_REQUEST__INIT;
    t.dimension = dimension;
    t.window = o->window;
    t.from = o->from;
    t.to = o->to;
    t.top = o->top ? o->top : 8;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_TRENDS;
    req.trends = &t;
    Bole__Response *r = NULL;
    int rc = bole_client_call(c, &req, &r);
    if (rc != BOLE_OK) {
        fprintf(stderr, "bole-report: %s: %s\n", bole_client_endpoint(c), bole_strerror(rc));
        return NULL;
    }
    if (r->status != BOLE__STATUS_CODE__OK || r->body_case != BOLE__RESPONSE__BODY_TRENDS) {
        fprintf(stderr, "bole-report: trends: %s: %s\n", bole_status_name(r->status),
                r->error);
        bole_response_free(r);
        return NULL;
    }
    return r;
}

static void s_esc(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

static void s_date(FILE *out, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    fputs(buf, out);
}

/* One line chart: supply (blue) and demand (red) over the periods. */
static void s_chart(FILE *out, const char *dimension, const Bole__TrendSeries *s)
{
    const double w = 420, h = 160, pad = 30;
    double max = 1;
    for (size_t i = 0; i < s->n_points; i++) {
        if (s->points[i]->supply > max)
            max = s->points[i]->supply;
        if (s->points[i]->demand > max)
            max = s->points[i]->demand;
    }
    size_t n = s->n_points;
    double step = n > 1 ? (w - 2 * pad) / (double)(n - 1) : 0;
    fprintf(out, "<figure class=\"trend\"><figcaption>");
    s_esc(out, s->key);
    fprintf(out, "</figcaption>\n<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-dimension=\"%s\" "
            "data-key=\"", w, h, w, h, dimension);
    s_esc(out, s->key);
    fprintf(out, "\" role=\"img\">\n<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
            "stroke=\"#999\"/>\n<text x=\"2\" y=\"%.0f\" font-size=\"10\">%g</text>\n",
            pad, h - pad, w - pad, h - pad, pad, max);
    const char *colour[2] = {"#1f77b4", "#d62728"};
    for (int line = 0; line < 2; line++) {
        fprintf(out, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                "points=\"", line ? "demand" : "supply", colour[line]);
        for (size_t i = 0; i < n; i++) {
            double v = line ? s->points[i]->demand : s->points[i]->supply;
            fprintf(out, "%.1f,%.1f ", pad + step * (double)i,
                    h - pad - (v / max) * (h - 2 * pad));
        }
        fputs("\"/>\n", out);
    }
    for (size_t i = 0; i < n; i++) {
        const Bole__TrendPoint *p = s->points[i];
        fprintf(out, "<circle class=\"pt\" r=\"2\" cx=\"%.1f\" cy=\"%.1f\" "
                "data-period=\"%lld\" data-supply=\"%.17g\" data-demand=\"%.17g\" "
                "data-gap=\"%.17g\"><title>", pad + step * (double)i,
                h - pad - (p->demand / max) * (h - 2 * pad), (long long)p->period_start,
                p->supply, p->demand, p->gap_ratio);
        s_date(out, p->period_start);
        fprintf(out, ": supply %g, demand %g</title></circle>\n", p->supply, p->demand);
    }
    if (n) {
        fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">", pad, h - 8);
        s_date(out, s->points[0]->period_start);
        fprintf(out, "</text><text x=\"%.0f\" y=\"%.0f\" font-size=\"10\" "
                "text-anchor=\"end\">", w - pad, h - 8);
        s_date(out, s->points[n - 1]->period_start);
        fputs("</text>\n", out);
    }
    fputs("</svg></figure>\n", out);
}

static void s_table(FILE *out, const char *id, const char *title, Bole__KeyGap **g, size_t n)
{
    fprintf(out, "<h3>%s</h3>\n<table id=\"%s\"><thead><tr><th>Key</th><th>Supply</th>"
            "<th>Demand</th><th>Gap ratio</th><th>Change</th></tr></thead><tbody>\n", title, id);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr class=\"gap\" data-key=\"", out);
        s_esc(out, g[i]->key);
        fprintf(out, "\" data-supply=\"%.17g\" data-demand=\"%.17g\" data-gap=\"%.17g\" "
                "data-change=\"%.17g\"><td>", g[i]->supply, g[i]->demand, g[i]->gap_ratio,
                g[i]->change);
        s_esc(out, g[i]->key);
        fprintf(out, "</td><td>%g</td><td>%g</td><td>%.2f</td><td>%+.2f</td></tr>\n",
                g[i]->supply, g[i]->demand, g[i]->gap_ratio, g[i]->change);
    }
    if (n == 0)
        fputs("<tr><td colspan=\"5\">none</td></tr>\n", out);
    fputs("</tbody></table>\n", out);
}

/* Per-zone view: last-period supply and demand as paired bars. */
static void s_zones(FILE *out, const Bole__TrendsResponse *z)
{
    double max = 1;
    for (size_t i = 0; i < z->n_series; i++) {
        const Bole__TrendSeries *s = z->series[i];
        if (!s->n_points)
            continue;
        const Bole__TrendPoint *p = s->points[s->n_points - 1];
        max = fmax(max, fmax(p->supply, p->demand));
    }
    double bar = 18, w = 420;
    fprintf(out, "<svg id=\"zones\" class=\"zones\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%.0f\" height=\"%.0f\">\n", w + 160, bar * 2.5 * (double)z->n_series + 10);
    for (size_t i = 0; i < z->n_series; i++) {
        const Bole__TrendSeries *s = z->series[i];
        if (!s->n_points)
            continue;
        const Bole__TrendPoint *p = s->points[s->n_points - 1];
        double y = 5 + bar * 2.5 * (double)i;
        fputs("<g class=\"zone\" data-key=\"", out);
        s_esc(out, s->key);
        fprintf(out, "\" data-supply=\"%.17g\" data-demand=\"%.17g\">"
                "<text x=\"0\" y=\"%.0f\" font-size=\"11\">", p->supply, p->demand, y + bar);
        s_esc(out, s->key);
        fprintf(out, "</text><rect x=\"150\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" "
                "fill=\"#1f77b4\"/><rect x=\"150\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" "
                "fill=\"#d62728\"/></g>\n", y, w * p->supply / max, bar - 2, y + bar - 2,
                w * p->demand / max, bar - 2);
    }
    fputs("</svg>\n", out);
}

int report_write(bole_client_t *c, const report_options_t *o, FILE *out)
{
    static const int dims[3] = {BOLE__TREND_DIMENSION__TREND_SKILL,
                                BOLE__TREND_DIMENSION__TREND_INDUSTRY,
                                BOLE__TREND_DIMENSION__TREND_ZONE};
    static const char *names[3] = {"skill", "industry", "zone"};
    Bole__Response *r[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        r[i] = report_fetch(c, dims[i], o);
        if (!r[i]) {
            for (int j = 0; j < i; j++)
                bole_response_free(r[j]);
            return -1;
        }
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<title>Bole supply and demand</title>\n<style>\n"
          "body{font-family:sans-serif;margin:2em;color:#222}"
          "figure.trend{display:inline-block;margin:0 1em 1em 0}"
          "table{border-collapse:collapse;margin-bottom:1em}"
          "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
          "td:first-child{text-align:left}"
          ".legend span{display:inline-block;width:1em;height:.6em;margin:0 .3em}\n"
          "</style></head><body>\n<h1>Supply and demand</h1>\n"
          "<p class=\"legend\"><span style=\"background:#1f77b4\"></span>supply (available "
          "talents) <span style=\"background:#d62728\"></span>demand (open needs, by "
          "headcount). Each period shows the level at its end (UTC).</p>\n", out);
    for (int i = 0; i < 2; i++) {
        const Bole__TrendsResponse *t = r[i]->trends;
        fprintf(out, "<section id=\"%s\"><h2>Top %ss</h2>\n", names[i], names[i]);
        for (size_t k = 0; k < t->n_series; k++)
            s_chart(out, names[i], t->series[k]);
        if (t->n_series == 0)
            fputs("<p>No data.</p>\n", out);
        char id[64];
        snprintf(id, sizeof id, "shortages-%s", names[i]);
        s_table(out, id, "Shortages (demand over supply, last period)", t->shortages,
                t->n_shortages);
        snprintf(id, sizeof id, "surpluses-%s", names[i]);
        s_table(out, id, "Surpluses", t->surpluses, t->n_surpluses);
        snprintf(id, sizeof id, "movers-%s", names[i]);
        s_table(out, id, "Biggest gap changes over the range", t->movers, t->n_movers);
        fputs("</section>\n", out);
    }
    fputs("<section id=\"zone\"><h2>By zone (last period)</h2>\n", out);
    s_zones(out, r[2]->trends);
    s_table(out, "shortages-zone", "Zone shortages", r[2]->trends->shortages,
            r[2]->trends->n_shortages);
    fputs("</section>\n</body></html>\n", out);
    for (int i = 0; i < 3; i++)
        bole_response_free(r[i]);
    return ferror(out) ? -1 : 0;
}
