#!/usr/bin/python3
"""make report: one self-contained HTML page of a database's journeys (scripts/report.sh runs it).

For every journey: its diagram (Graphviz `dot -Tsvg` of journey.render(name, 'dot'), inline SVG), its
summary (journey.summary), its per-node funnel and message rates (journey.node_stats), its split results
(journey.split_report, and journey.split_uplift when the installed extension has it) and a daily chart of
entries and conversions (journey.timeseries(name, '1 day')) drawn here as inline SVG. No JavaScript, no
network, no external assets. Standard library only; the database is read through `psql`.

  report.py [--db DB] [--out FILE] [--journey NAME ...]    read the database (PGHOST/PGPORT/PGUSER apply)
  report.py --fixture FILE.json [--out FILE]               the same page from saved data (tests)
  report.py --dump-json FILE ...                           also save the data read (a fixture)

Exit status: 0 the page is written; 1 the page is written but a section could not be read (it says so on
the page and on stderr); 2 nothing written (no connection, no extension, bad fixture).
"""
import argparse
import datetime as dt
import html
import json
import math
import os
import re
import subprocess
import sys

SECTIONS = ("dot", "summary", "node_stats", "split_report", "split_uplift", "timeseries", "graph")
SIGNIFICANCE = 0.05
MAX_CHART_DAYS = 90


# ---------------------------------------------------------------------------------------------------------
# Reading the database


class QueryError(Exception):
    pass


def psql(db, sql, stop_on_error=True, **variables):
    """psql -X -A -t over stdin; variables are quoted by psql where the SQL says :'name'."""
    cmd = ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=%d" % stop_on_error]
    if db:
        cmd += ["-d", db]
    for k, v in variables.items():
        cmd += ["-v", "%s=%s" % (k, v)]
    try:
        p = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        raise QueryError("psql is not on PATH")
    except subprocess.TimeoutExpired:
        raise QueryError("psql timed out")
    if p.returncode != 0 and (stop_on_error or not p.stdout):
        msg = " ".join(line.strip() for line in p.stderr.strip().splitlines() if line.strip())
        raise QueryError(msg or "psql exited with %d" % p.returncode)
    return p.stdout


def psql_json(db, sql, **variables):
    """One statement returning one json value."""
    out = psql(db, sql, **variables).strip()
    return json.loads(out) if out else None


# One journey's sections, each a jsonb value (jsonb's text has no line breaks: one line per value). NAME is the
# journey's name as a literal.
def rows_sql(call):
    return "SELECT coalesce(jsonb_agg(t), '[]'::jsonb) FROM %s t" % call


QUERIES = {
    # The latest version anyone entered (its counts are the story), else the live one.
    "dot": "SELECT to_jsonb(journey.render(NAME, 'dot', (SELECT max(s.version) FROM journey.summary(NAME) s "
           "WHERE s.entered > 0)))",
    "summary": rows_sql("journey.summary(NAME)"),
    "node_stats": rows_sql("journey.node_stats(NAME)"),
    "split_report": rows_sql("journey.split_report(NAME)"),
    "split_uplift": rows_sql("journey.split_uplift(NAME)"),
    "timeseries": rows_sql("journey.timeseries(NAME, '1 day')"),
    # Each version's start and edges: the funnel lists nodes in the order a user meets them.
    "graph": "SELECT coalesce(jsonb_object_agg(version, jsonb_build_object('start', definition -> 'start', "
             "'nodes', definition -> 'nodes')), '{}'::jsonb) FROM journey.versions WHERE journey = NAME",
}


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"  # standard_conforming_strings: no backslash escapes


def read_database(db, only):
    info = psql_json(db, """
SELECT json_build_object(
  'database', current_database(),
  'generated_at', to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ'),
  'extension', (SELECT extversion FROM pg_extension WHERE extname = 'pg_journey'),
  'functions', (SELECT coalesce(json_agg(f), '[]'::json) FROM unnest(ARRAY['render', 'summary', 'node_stats',
                'split_report', 'split_uplift', 'timeseries']) f
                WHERE EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                              WHERE n.nspname = 'journey' AND p.proname = f)));
""")
    if not info.get("extension"):
        raise QueryError("the extension pg_journey is not installed in database %s" % info["database"])
    journeys = psql_json(db, """
SELECT coalesce(json_agg(json_build_object('name', j.name, 'status', j.status, 'live_version', j.live_version,
         'description', (SELECT v.definition ->> 'description' FROM journey.versions v
                          WHERE v.journey = j.name ORDER BY v.version = j.live_version DESC, v.version DESC LIMIT 1))
       ORDER BY j.status = 'archived', j.name), '[]'::json)
  FROM journey.journeys j;
""")
    if only:
        known = {j["name"] for j in journeys}
        missing = [n for n in only if n not in known]
        if missing:
            raise QueryError("no journey named %s" % ", ".join(missing))
        journeys = [j for j in journeys if j["name"] in only]
    present = set(info["functions"])
    need = {"dot": "render", "summary": "summary", "node_stats": "node_stats", "split_report": "split_report",
            "split_uplift": "split_uplift", "timeseries": "timeseries", "graph": None}
    # Every section of every journey in one psql session, a line each, in one read-only snapshot.
    statements, wanted = ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"], []
    for k, j in enumerate(journeys):
        j["errors"] = {}
        for section in SECTIONS:
            j[section] = None
            if need[section] is not None and need[section] not in present:
                if section != "split_uplift":  # optional: older versions of the extension lack it
                    j["errors"][section] = "journey.%s does not exist in this database" % need[section]
                continue
            wanted.append((k, section))
            statements.append("SELECT jsonb_build_array(%d, %s, (%s))::text;"
                              % (k, sql_literal(section), QUERIES[section].replace("NAME", sql_literal(j["name"]))))
    statements.append("COMMIT;")
    got = set()
    # ON_ERROR_ROLLBACK: psql puts each statement in a savepoint, a failed one does not end the transaction.
    out = psql(db, "\n".join(statements) + "\n", stop_on_error=False, ON_ERROR_ROLLBACK="on")
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("["):
            continue
        k, section, value = json.loads(line)
        journeys[k][section] = value
        got.add((k, section))
    # What failed, again alone, for its error message.
    for k, section in wanted:
        if (k, section) in got:
            continue
        j = journeys[k]
        try:
            j[section] = psql_json(db, QUERIES[section].replace("NAME", ":'name'") + ";\n", name=j["name"])
        except QueryError as e:
            j["errors"][section] = str(e)
    return {"database": info["database"], "generated_at": info["generated_at"],
            "extension": info["extension"], "journeys": journeys}


# ---------------------------------------------------------------------------------------------------------
# Formatting


def esc(v):
    return html.escape("" if v is None else str(v), quote=True)


def num(v):
    if v is None:
        return "—"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int):
        return "{:,}".format(v)
    return esc(v)


def pct(v):
    if v is None:
        return "—"
    return "%.1f%%" % (float(v) * 100)


def ratio(a, b):
    if a is None or not b:
        return None
    return float(a) / float(b)


def pval(p):
    if p is None:
        return "—"
    p = float(p)
    return "&lt; 0.001" if p < 0.001 else "%.3f" % p


def intval(v):
    return int(v) if v is not None else 0


def section_error(errors, key):
    if key in errors:  # the error itself, without psql's CONTEXT, QUERY, LINE (stderr has them)
        msg = re.split(r"\s+(?:LINE \d+:|DETAIL:|HINT:|QUERY:|CONTEXT:)", errors[key])[0]
        return '<p class="error">Could not read this section: %s</p>' % esc(msg)
    return None


# ---------------------------------------------------------------------------------------------------------
# Diagram: Graphviz SVG, inlined


def dot_to_svg(dot_src, prefix):
    try:
        p = subprocess.run(["dot", "-Tsvg"], input=dot_src, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return None, "Graphviz (dot) is not installed"
    except subprocess.TimeoutExpired:
        return None, "dot timed out"
    if p.returncode != 0:
        return None, (p.stderr.strip() or "dot exited with %d" % p.returncode)
    svg = p.stdout
    start = svg.find("<svg")
    if start < 0:
        return None, "dot produced no SVG"
    svg = svg[start:]
    # The text comes from the database: keep what Graphviz drew, drop links and anything active.
    svg = re.sub(r"<script\b.*?</script\s*>", "", svg, flags=re.S | re.I)
    svg = re.sub(r"\s(?:xlink:href|href|target|on[a-z]+)\s*=\s*(\"[^\"]*\"|'[^']*')", "", svg, flags=re.I)
    # Several diagrams share the page: their ids must not collide.
    svg = re.sub(r'\bid="', 'id="%s' % prefix, svg)
    svg = svg.replace("url(#", "url(#%s" % prefix)
    # Graphviz's own size, shrunk to the column when wider (CSS: max-width, height auto; the viewBox stays).
    svg = svg.replace("<svg", '<svg class="graph" role="img"', 1)
    return svg, None


def render_diagram(j, idx):
    err = section_error(j["errors"], "dot")
    if err:
        return err
    if not j.get("dot"):
        return '<p class="empty">No diagram (journey.render returned nothing).</p>'
    svg, why = dot_to_svg(j["dot"], "j%d-" % idx)
    if svg is None:
        return ('<p class="error">The diagram could not be drawn: %s</p><pre class="dot">%s</pre>'
                % (esc(why), esc(j["dot"])))
    return '<div class="diagram">%s</div>' % svg


# ---------------------------------------------------------------------------------------------------------
# Summary


SUMMARY_COLS = ("entered", "active", "completed", "exited", "converted")


def render_summary(j):
    err = section_error(j["errors"], "summary")
    if err:
        return err
    rows = j.get("summary") or []
    quiet = all(intval(r.get("entered")) == 0 for r in rows)
    body = '<p class="empty">No traffic yet: nobody has entered this journey.</p>' if quiet else ""
    if not rows:
        return body
    total = {c: sum(intval(r.get(c)) for r in rows) for c in SUMMARY_COLS}
    if len(rows) == 1:
        caption = "version %s" % esc(rows[0].get("version"))
        rate = rows[0].get("conversion_rate")
    else:
        caption = "all %d versions" % len(rows)
        rate = ratio(total["converted"], total["entered"])
    cards = "".join('<div class="card"><div class="v">%s</div><div class="k">%s</div></div>' % (num(total[c]), c)
                    for c in SUMMARY_COLS)
    cards += '<div class="card rate"><div class="v">%s</div><div class="k">conversion rate</div></div>' % pct(rate)
    out = body
    if not quiet:
        out += '<div class="cards">%s</div><p class="caption">Totals, %s.</p>' % (cards, caption)
    head = "".join("<th>%s</th>" % c for c in ("version",) + SUMMARY_COLS + ("conversion rate",))
    trs = []
    for r in rows:
        tds = '<td class="num" data-k="version">%s</td>' % esc(r.get("version"))
        tds += "".join('<td class="num" data-k="%s">%s</td>' % (c, num(r.get(c))) for c in SUMMARY_COLS)
        tds += '<td class="num" data-k="conversion_rate">%s</td>' % pct(r.get("conversion_rate"))
        trs.append('<tr data-version="%s">%s</tr>' % (esc(r.get("version")), tds))
    out += '<table class="summary"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>' % (head, "".join(trs))
    return out


# ---------------------------------------------------------------------------------------------------------
# Funnel and message rates


def successors(node):
    out = []
    if not isinstance(node, dict):
        return out
    for k in ("next", "then", "else", "on_event", "on_timeout", "default", "past_next"):
        if isinstance(node.get(k), str):
            out.append(node[k])
    for k in ("split", "switch"):
        for arm in node.get(k) or []:
            if isinstance(arm, dict) and isinstance(arm.get("next"), str):
                out.append(arm["next"])
    for b in node.get("parallel") or []:
        if isinstance(b, str):
            out.append(b)
    return out


def graph_order(graph):
    """Node ids in the order a user meets them: by the longest path from the start (loops cut where they
    close), ties in depth-first order; None without a definition."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), dict):
        return None
    nodes, start = graph["nodes"], graph.get("start")
    if start not in nodes:
        return None
    seen, on_path, dfs, edges = set(), set(), [], []
    stack = [(start, iter(successors(nodes[start])))]
    seen.add(start)
    on_path.add(start)
    dfs.append(start)
    while stack:  # iterative depth-first walk: the forward edges (a back edge closes a loop)
        n, it = stack[-1]
        m = next(it, None)
        if m is None:
            on_path.discard(n)
            stack.pop()
        elif m in nodes and m not in on_path:
            edges.append((n, m))
            if m not in seen:
                seen.add(m)
                on_path.add(m)
                dfs.append(m)
                stack.append((m, iter(successors(nodes[m]))))
    depth = {n: 0 for n in dfs}
    for _ in range(len(dfs)):  # longest path over an acyclic graph: at most |nodes| rounds
        changed = False
        for a, b in edges:
            if depth[a] + 1 > depth[b]:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    rank = {n: k for k, n in enumerate(dfs)}
    return sorted(dfs, key=lambda n: (depth[n], rank[n]))


def render_node_stats(j):
    err = section_error(j["errors"], "node_stats")
    if err:
        return err
    rows = j.get("node_stats") or []
    if not rows or all(intval(r.get("visits")) == 0 and intval(r.get("waiting")) == 0 for r in rows):
        return '<p class="empty">No traffic yet: no node has been visited.</p>'
    versions = []
    for r in rows:
        if r.get("version") not in versions:
            versions.append(r.get("version"))
    any_sent = any(intval(r.get("sent")) > 0 for r in rows)
    out = []
    for v in versions:
        vrows = [r for r in rows if r.get("version") == v]
        order = graph_order((j.get("graph") or {}).get(str(v)))
        if order:
            rank = {n: k for k, n in enumerate(order)}
            vrows.sort(key=lambda r: rank.get(r.get("node"), len(rank)))  # stable: the others as returned
        top = max(intval(r.get("visits")) for r in vrows) or 1
        head = ("<th>node</th><th>visits</th><th>waiting</th><th>sent</th><th>suppressed</th><th>delivered</th>"
                "<th>opened</th><th>clicked</th><th>bounced</th><th>unsubscribed</th>")
        trs = []
        for r in vrows:
            sent = intval(r.get("sent"))
            width = 100.0 * intval(r.get("visits")) / top

            def rate_cell(key, rate):
                if not sent:
                    return '<td class="num muted" data-k="%s">%s</td>' % (key, num(r.get(key)))
                return ('<td class="num" data-k="%s"><span class="c">%s</span> <span class="rate">%s</span></td>'
                        % (key, num(r.get(key)), pct(rate)))

            cells = [
                '<td class="node" data-k="node">%s</td>' % esc(r.get("node")),
                '<td class="num funnel" data-k="visits"><span class="bar" style="width:%.1f%%"></span>'
                '<span class="n">%s</span></td>' % (width, num(r.get("visits"))),
                '<td class="num" data-k="waiting">%s</td>' % num(r.get("waiting")),
                '<td class="num" data-k="sent">%s</td>' % (num(r.get("sent")) if sent else
                                                           '<span class="muted">%s</span>' % num(r.get("sent"))),
                '<td class="num" data-k="suppressed">%s</td>' % num(r.get("suppressed")),
                rate_cell("delivered", ratio(r.get("delivered"), sent)),
                rate_cell("opened", r.get("open_rate") if r.get("open_rate") is not None
                          else ratio(r.get("opened"), sent)),
                rate_cell("clicked", r.get("click_rate") if r.get("click_rate") is not None
                          else ratio(r.get("clicked"), sent)),
                rate_cell("bounced", ratio(r.get("bounced"), sent)),
                '<td class="num" data-k="unsubscribed">%s</td>' % num(r.get("unsubscribed")),
            ]
            trs.append('<tr data-version="%s" data-node="%s">%s</tr>' % (esc(v), esc(r.get("node")), "".join(cells)))
        cap = "<caption>version %s</caption>" % esc(v) if len(versions) > 1 else ""
        out.append('<table class="nodes">%s<thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
                   % (cap, head, "".join(trs)))
    note = ('<p class="caption">Visits bar: relative to the most visited node. Percentages under delivered, '
            'opened, clicked and bounced are over the node\'s sent messages.</p>')
    if not any_sent:
        note += '<p class="empty">No messages sent yet.</p>'
    return "".join(out) + note


# ---------------------------------------------------------------------------------------------------------
# Splits


def is_number(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return True
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def split_winners(rows, baselines):
    """{node: label}: per split node, the arm with p < 0.05 whose rate beats the baseline arm's (the one the
    p-values are against: as split_uplift names it, else the arm without a p-value, else the first); the best
    such arm if several."""
    by_node = {}
    for r in rows:
        by_node.setdefault(r.get("node"), []).append(r)
    winners = {}
    for node, arms in by_node.items():
        base = next((a for a in arms if baselines.get(node) is not None and a.get("label") == baselines[node]), None)
        if base is None:
            base = next((a for a in arms if a.get("p_value") is None), arms[0])
        base_rate = float(base.get("conversion_rate") or 0)
        best = None
        for a in arms:
            if a is base or a.get("p_value") is None or a.get("conversion_rate") is None:
                continue
            if float(a["p_value"]) < SIGNIFICANCE and float(a["conversion_rate"]) > base_rate:
                if best is None or float(a["conversion_rate"]) > float(best["conversion_rate"]):
                    best = a
        if best is not None:
            winners[node] = best.get("label")
    return winners


def render_splits(j):
    err = section_error(j["errors"], "split_report")
    if err:
        return err
    rows = j.get("split_report") or []
    if not rows:
        return '<p class="empty">No split in this journey (or nobody reached one yet).</p>'
    uplift, baselines = {}, {}
    for u in (j.get("split_uplift") or []):
        uplift[(u.get("node"), u.get("label"))] = u
        if isinstance(u.get("baseline"), str):
            baselines[u.get("node")] = u["baseline"]
    has_uplift = bool(j.get("split_uplift"))
    winners = split_winners(rows, baselines)
    out = []
    nodes = []
    for r in rows:
        if r.get("node") not in nodes:
            nodes.append(r.get("node"))
    for node in nodes:
        arms = [r for r in rows if r.get("node") == node]
        head = "<th>arm</th><th>entered</th><th>converted</th><th>rate</th><th>p-value</th>"
        if has_uplift:
            head += "<th>uplift (95% interval)</th>"
        trs = []
        for a in arms:
            win = winners.get(node) == a.get("label") and a.get("label") is not None
            label = esc(a.get("label")) if a.get("label") is not None else '<span class="muted">holdout</span>'
            if win:
                label += ' <span class="winner" title="p &lt; 0.05 and the higher rate">★ winner</span>'
            rate = a.get("conversion_rate")
            bar = '<span class="bar" style="width:%.1f%%"></span>' % (100 * float(rate)) if rate is not None else ""
            cells = ['<td data-k="label">%s</td>' % label,
                     '<td class="num" data-k="entered">%s</td>' % num(a.get("entered")),
                     '<td class="num" data-k="converted">%s</td>' % num(a.get("converted")),
                     '<td class="num funnel" data-k="conversion_rate">%s<span class="n">%s</span></td>'
                     % (bar, pct(rate)),
                     '<td class="num" data-k="p_value">%s</td>' % pval(a.get("p_value"))]
            if has_uplift:
                u = uplift.get((node, a.get("label")))
                cells.append('<td class="num" data-k="uplift">%s</td>' % render_uplift(u))
            trs.append('<tr class="%s" data-label="%s">%s</tr>'
                       % ("win" if win else "", esc(a.get("label")), "".join(cells)))
        verdict = ("winner: %s" % esc(winners[node])) if node in winners else "no significant winner yet"
        out.append('<table class="split" data-node="%s"><caption>split <b>%s</b> — %s</caption>'
                   '<thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
                   % (esc(node), esc(node), verdict, head, "".join(trs)))
    note = ('<p class="caption">p-value: two-proportion z-test against the holdout arm (or the first arm). '
            'The winner is marked when p &lt; 0.05 and its conversion rate is the higher.%s</p>'
            % (" Uplift: the difference of the conversion rates in percentage points (pp)." if has_uplift else ""))
    return "".join(out) + note


def render_uplift(u):
    """journey.split_uplift: uplift is the difference of the rates (percentage points) with its 95 % interval;
    baseline the label it is against (older shapes: a rate)."""
    if not u or u.get("uplift") is None:
        return '<span class="muted">baseline</span>' if u and u.get("baseline") == u.get("label") else "—"
    s = "%+.1f pp" % (100 * float(u["uplift"]))
    if u.get("uplift_low") is not None and u.get("uplift_high") is not None:
        s += ' <span class="rate">[%+.1f, %+.1f]</span>' % (100 * float(u["uplift_low"]), 100 * float(u["uplift_high"]))
    base = u.get("baseline")
    if base is not None:
        s += ' <span class="rate">vs %s</span>' % (pct(base) if is_number(base) else esc(base))
    return s


# ---------------------------------------------------------------------------------------------------------
# Daily chart of entries and conversions (inline SVG)


def parse_ts(s):
    s = str(s).replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", s):
        s += ":00"
    return dt.datetime.fromisoformat(s)


def daily_series(rows):
    """Buckets sorted, the missing days in between filled with zeros, at most MAX_CHART_DAYS (the last)."""
    pts = {}
    for r in rows:
        t = parse_ts(r["bucket"])
        pts[t] = r
    if not pts:
        return []
    days = sorted(pts)
    series, t = [], days[0]
    while t <= days[-1]:
        r = pts.get(t, {})
        series.append((t, intval(r.get("entered")), intval(r.get("converted")), intval(r.get("completed")),
                       intval(r.get("exited")), intval(r.get("sent"))))
        t += dt.timedelta(days=1)
        if len(series) > 5000:
            break
    # Buckets off the day grid (another time zone's midnight) would not be reached by the walk above.
    if len(series) < len(pts) or any(d not in {s[0] for s in series} for d in days):
        series = [(d, intval(pts[d].get("entered")), intval(pts[d].get("converted")), intval(pts[d].get("completed")),
                   intval(pts[d].get("exited")), intval(pts[d].get("sent"))) for d in days]
    return series[-MAX_CHART_DAYS:]


def axis_scale(v):
    """(top, step): the y axis' top and tick step, whole numbers, at most five ticks."""
    raw = max(v, 1) / 4.0
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(1, int(round(step)))
    return step * max(1, math.ceil(v / step)), step


def render_chart(j):
    err = section_error(j["errors"], "timeseries")
    if err:
        return err
    rows = j.get("timeseries") or []
    series = daily_series(rows)
    if not series or all(s[1] == 0 and s[2] == 0 for s in series):
        return '<p class="empty">No traffic yet: no entries or conversions to chart.</p>'
    W, H, L, R, T, B = 640, 200, 44, 12, 14, 36
    pw, ph = W - L - R, H - T - B
    top, step = axis_scale(max(max(s[1], s[2]) for s in series))
    n = len(series)
    slot = pw / n
    bw = max(1.0, min(18.0, slot * 0.38))
    parts = ['<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="entries and conversions per day">'
             % (W, H)]
    for v in range(0, top + 1, step):
        y = T + ph - ph * v / top
        parts.append('<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>' % (L, W - R, y, y))
        parts.append('<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 6, y + 4, num(v)))
    label_every = max(1, (n + 7) // 8)
    for i, (day, entered, converted, completed, exited, sent) in enumerate(series):
        x0 = L + slot * i + (slot - 2 * bw) / 2
        tip = "%s: %d entered, %d converted, %d completed, %d exited, %d sent" % (
            day.strftime("%Y-%m-%d"), entered, converted, completed, exited, sent)
        parts.append('<g class="day" data-day="%s" data-entered="%d" data-converted="%d"><title>%s</title>'
                     % (day.strftime("%Y-%m-%d"), entered, converted, esc(tip)))
        for j_, (cls, v) in enumerate((("entered", entered), ("converted", converted))):
            h = ph * v / top
            parts.append('<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>'
                         % (cls, x0 + j_ * bw, T + ph - h, bw, max(h, 0.0)))
        parts.append("</g>")
        if i % label_every == 0 or i == n - 1:
            parts.append('<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>'
                         % (L + slot * i + slot / 2, H - B + 16, day.strftime("%b %d")))
    parts.append('<line class="base" x1="%d" x2="%d" y1="%d" y2="%d"/>' % (L, W - R, T + ph, T + ph))
    parts.append("</svg>")
    legend = ('<div class="legend"><span><i class="sw entered"></i>entered</span>'
              '<span><i class="sw converted"></i>converted</span>'
              '<span class="muted">%d entered, %d converted over %d day%s</span></div>'
              % (sum(s[1] for s in series), sum(s[2] for s in series), n, "" if n == 1 else "s"))
    return "".join(parts) + legend


# ---------------------------------------------------------------------------------------------------------
# The page


CSS = """
:root{--fg:#1f2933;--muted:#7b8794;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff;--accent:#2f6fed;--ok:#16a34a;--warn:#b45309}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "DejaVu Sans","Lato",system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header.top{background:#111827;color:#f9fafb;padding:18px 32px}
header.top h1{margin:0;font-size:20px;font-weight:600}
header.top p{margin:4px 0 0;color:#cbd2d9;font-size:13px}
main{max-width:1200px;margin:0 auto;padding:20px 32px 48px}
nav.toc table{width:100%}
section.journey{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:22px 0;
  box-shadow:0 1px 2px rgba(0,0,0,.04)}
section.journey>h2{margin:0 0 2px;font-size:19px}
.badge{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;
  padding:2px 8px;border-radius:999px;background:#e4e7eb;color:#3e4c59;vertical-align:middle;margin-left:8px}
.badge.live{background:#dcfce7;color:#166534}.badge.paused{background:#fef3c7;color:#92400e}
.badge.draft{background:#e0e7ff;color:#3730a3}
.desc{color:#52606d;margin:2px 0 12px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:22px 0 8px;font-weight:600}
.grid2{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:24px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{flex:1 1 90px;background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.card .v{font-size:20px;font-weight:600}.card .k{font-size:12px;color:var(--muted)}
.card.rate .v{color:var(--ok)}
table{border-collapse:collapse;width:100%;margin:6px 0 4px;font-size:13px}
caption{text-align:left;font-size:13px;color:#52606d;padding:4px 0}
th{text-align:left;font-weight:600;color:#52606d;border-bottom:2px solid var(--line);padding:6px 8px;white-space:nowrap}
td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.node{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
td.funnel{position:relative;min-width:110px}
td.funnel .bar{position:absolute;left:4px;top:5px;height:18px;background:#dbeafe;border-radius:3px;max-width:calc(100% - 8px)}
td.funnel .n{position:relative}
.rate{display:block;font-size:11px;color:var(--muted)}
.muted{color:var(--muted)}
tr.win td{background:#f0fdf4}
.winner{color:#fff;background:var(--ok);border-radius:999px;padding:1px 8px;font-size:11px;font-weight:600;white-space:nowrap}
.empty{color:var(--muted);font-style:italic;margin:6px 0}
.error{color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;border-radius:6px;padding:6px 10px}
.caption{font-size:12px;color:var(--muted);margin:4px 0}
.diagram{border:1px solid var(--line);border-radius:8px;padding:8px;background:#fff;overflow:auto;text-align:center}
.diagram svg.graph{max-width:100%;height:auto}
table.split th{white-space:normal}
pre.dot{font-size:11px;background:var(--bg);padding:8px;overflow:auto}
svg.chart{width:100%;max-width:640px;height:auto;display:block}
svg.chart .grid{stroke:#eef0f3}svg.chart .base{stroke:#9aa5b1}
svg.chart .axis{font-size:10px;fill:var(--muted)}
svg.chart .bar.entered,.sw.entered{fill:#2f6fed;background:#2f6fed}
svg.chart .bar.converted,.sw.converted{fill:#16a34a;background:#16a34a}
.legend{display:flex;gap:16px;font-size:12px;margin-top:4px;align-items:center}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:30px}
a{color:var(--accent);text-decoration:none}
"""


def render_journey(j, idx):
    status = j.get("status") or ""
    version = j.get("live_version")
    meta = '<span class="badge %s">%s</span>' % (esc(status), esc(status)) if status else ""
    if version is not None:
        meta += '<span class="badge">v%s</span>' % esc(version)
    parts = ['<section class="journey" id="j-%s" data-journey="%s">' % (esc(j["name"]), esc(j["name"])),
             "<h2>%s%s</h2>" % (esc(j["name"]), meta)]
    if j.get("description"):
        parts.append('<p class="desc">%s</p>' % esc(j["description"]))
    parts.append('<h3>Summary</h3><div class="summary-block">%s</div>' % render_summary(j))
    parts.append('<div class="grid2"><div><h3>Diagram</h3>%s</div>' % render_diagram(j, idx))
    parts.append('<div><h3>Entries and conversions per day</h3><div class="chart-block">%s</div>'
                 '<h3>Splits</h3><div class="splits-block">%s</div></div></div>'
                 % (render_chart(j), render_splits(j)))
    parts.append('<h3>Funnel and messages per node</h3><div class="nodes-block">%s</div>' % render_node_stats(j))
    parts.append("</section>")
    return "".join(parts)


def render_toc(journeys):
    trs = []
    for j in journeys:
        rows = j.get("summary") or []
        entered = sum(intval(r.get("entered")) for r in rows)
        active = sum(intval(r.get("active")) for r in rows)
        converted = sum(intval(r.get("converted")) for r in rows)
        rate = rows[0].get("conversion_rate") if len(rows) == 1 else ratio(converted, entered)
        trs.append('<tr><td><a href="#j-%s">%s</a></td><td>%s</td><td class="num">%s</td><td class="num">%s</td>'
                   '<td class="num">%s</td><td class="num">%s</td></tr>'
                   % (esc(j["name"]), esc(j["name"]), esc(j.get("status")), num(entered), num(active),
                      num(converted), pct(rate) if rows else "—"))
    return ('<nav class="toc"><table><thead><tr><th>journey</th><th>status</th><th>entered</th><th>active</th>'
            '<th>converted</th><th>conversion rate</th></tr></thead><tbody>%s</tbody></table></nav>' % "".join(trs))


def render_page(data):
    journeys = data.get("journeys") or []
    db = data.get("database") or "?"
    sub = "database <b>%s</b>" % esc(db)
    if data.get("extension"):
        sub += " · pg_journey %s" % esc(data["extension"])
    sub += " · %d journey%s" % (len(journeys), "" if len(journeys) == 1 else "s")
    if data.get("generated_at"):
        sub += " · generated %s" % esc(data["generated_at"])
    body = [render_toc(journeys)] if journeys else ['<p class="empty">No journeys in this database yet.</p>']
    body += [render_journey(j, i) for i, j in enumerate(journeys)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<title>pg_journey report — %s</title><style>%s</style></head><body>"
            "<header class=\"top\"><h1>pg_journey report</h1><p>%s</p></header><main>%s"
            "<footer>Written by scripts/report.py (make report) from journey.render, summary, node_stats, "
            "split_report and timeseries.</footer></main></body></html>\n"
            % (esc(db), CSS, sub, "".join(body)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="database (default: PGDATABASE)")
    ap.add_argument("--out", default="report/index.html", help="the page to write (default report/index.html)")
    ap.add_argument("--fixture", help="read the data from this JSON file instead of the database")
    ap.add_argument("--dump-json", help="also write the data read to this JSON file")
    ap.add_argument("--journey", action="append", default=[], help="only this journey (repeatable)")
    args = ap.parse_args()
    try:
        if args.fixture:
            with open(args.fixture, encoding="utf-8") as f:
                data = json.load(f)
            for j in data.get("journeys", []):
                j.setdefault("errors", {})
            if args.journey:
                data["journeys"] = [j for j in data.get("journeys", []) if j["name"] in args.journey]
        else:
            data = read_database(args.db, args.journey)
    except (QueryError, OSError, ValueError) as e:
        print("report: %s" % e, file=sys.stderr)
        return 2
    if args.dump_json:
        with open(args.dump_json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
    page = render_page(data)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, args.out)
    failed = [(j["name"], s, e) for j in data.get("journeys", []) for s, e in j.get("errors", {}).items()]
    for name, section, e in failed:
        print("report: %s, %s: %s" % (name, section, e), file=sys.stderr)
    print("report: wrote %s (%d journeys)" % (args.out, len(data.get("journeys", []))))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
