#!/usr/bin/python3
"""Checks a report page as Chromium rendered it (--dump-dom) against what the functions returned.

  check_dom.py DOM.html EXPECTED.json

EXPECTED.json has the shape of scripts/report.py's data (--dump-json, or a fixture): journeys with name,
description, summary, node_stats, split_report, split_uplift, timeseries as the SQL functions return them.
Prints one "ok - ..." / "not ok - ..." line per check (test/fault/lib.sh's format); exits 1 if one failed.
Standard library only; this does not import scripts/report.py.
"""
import datetime as dt
import json
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        out = []
        for c in self.children:
            out.append(c if isinstance(c, str) else c.text())
        return "".join(out)

    def norm(self):
        return " ".join(self.text().split())

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        for n in self.walk():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes():
                continue
            if any(n.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            yield n

    def find(self, tag=None, cls=None, **attrs):
        return next(self.find_all(tag, cls, **attrs), None)


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


failed = False


def report(ok, what, *why):
    global failed
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        failed = True
        for w in why:
            print("#   " + str(w))


def count_of(text):
    m = re.match(r"\s*([\d,]+)", text)
    return int(m.group(1).replace(",", "")) if m else None


def pct_of(text):
    m = re.search(r"(-?[\d.]+)%", text)
    return float(m.group(1)) if m else None


def close(shown, fraction):
    if fraction is None:
        return shown is None
    return shown is not None and abs(shown - 100 * float(fraction)) <= 0.051


def cell_count(td):
    """The count of a cell: its span.c when it has a rate under it, else its text."""
    if td is None:
        return None
    c = td.find("span", "c")
    return count_of((c or td).norm())


def cell_rate(td):
    if td is None:
        return None
    r = td.find("span", "rate")
    return pct_of(r.norm()) if r is not None else None


def i(v):
    return int(v) if v is not None else 0


def check_summary(sec, j, name):
    rows = j.get("summary") or []
    block = sec.find("div", "summary-block")
    if block is None:
        return report(False, "%s: summary section" % name, "no div.summary-block")
    bad = []
    if not rows or all(i(r["entered"]) == 0 for r in rows):
        if "No traffic yet" not in block.norm():
            bad.append("no 'No traffic yet' for a journey nobody entered")
    for r in rows:
        tr = block.find("tr", data_version=str(r["version"]))
        if tr is None:
            bad.append("no row of version %s" % r["version"])
            continue
        for k in ("entered", "active", "completed", "exited", "converted"):
            td = tr.find("td", data_k=k)
            have = count_of(td.norm()) if td is not None else None
            if have != i(r[k]):
                bad.append("version %s %s: page %s, function %s" % (r["version"], k, have, r[k]))
        td = tr.find("td", data_k="conversion_rate")
        if td is None or not close(pct_of(td.norm()), r["conversion_rate"]):
            bad.append("version %s conversion_rate: page %r, function %s"
                       % (r["version"], td.norm() if td is not None else None, r["conversion_rate"]))
    report(not bad, "%s: summary counts and conversion rate as journey.summary returns them (%d version%s)"
           % (name, len(rows), "" if len(rows) == 1 else "s"), *bad)


def check_nodes(sec, j, name):
    rows = j.get("node_stats") or []
    block = sec.find("div", "nodes-block")
    if block is None:
        return report(False, "%s: funnel section" % name, "no div.nodes-block")
    bad = []
    if not rows or all(i(r["visits"]) == 0 and i(r["waiting"]) == 0 for r in rows):
        if "No traffic yet" not in block.norm():
            bad.append("no 'No traffic yet' for a journey without visits")
        if block.find("table", "nodes") is not None:
            bad.append("a funnel table for a journey without visits")
    else:
        for r in rows:
            tr = block.find("tr", data_version=str(r["version"]), data_node=r["node"])
            if tr is None:
                bad.append("no row of version %s node %r" % (r["version"], r["node"]))
                continue
            for k in ("visits", "waiting", "sent", "suppressed", "delivered", "opened", "clicked", "bounced",
                      "unsubscribed"):
                have = cell_count(tr.find("td", data_k=k))
                if have != i(r[k]):
                    bad.append("%s v%s %s: page %s, function %s" % (r["node"], r["version"], k, have, r[k]))
            sent = i(r["sent"])
            rates = {"delivered": i(r["delivered"]) / sent if sent else None,
                     "opened": r["open_rate"] if sent else None,
                     "clicked": r["click_rate"] if sent else None,
                     "bounced": i(r["bounced"]) / sent if sent else None}
            for k, want in rates.items():
                shown = cell_rate(tr.find("td", data_k=k))
                if not close(shown, want):
                    bad.append("%s v%s %s rate: page %s%%, want %s" % (r["node"], r["version"], k, shown, want))
    report(not bad, "%s: per-node visits, sends, delivered/opened/clicked/bounced and their rates over sent "
           "as journey.node_stats returns them (%d rows)" % (name, len(rows)), *bad)


def check_diagram(sec, j, name):
    svg = sec.find("svg", "graph")
    bad = []
    if svg is None:
        bad.append("no svg.graph")
    else:
        if svg.parent is None or "diagram" not in svg.parent.classes():
            bad.append("svg.graph is not in div.diagram")
        gnodes = list(svg.find_all("g", "node"))
        if not gnodes:
            bad.append("no Graphviz node (g.node) in the diagram")
        text = svg.norm()
        for n in sorted({r["node"] for r in (j.get("node_stats") or [])}):
            if n not in text:
                bad.append("node %r is not in the diagram's text" % n)
    report(not bad, "%s: inline SVG diagram (Graphviz) with the journey's nodes" % name, *bad)


def parse_day(s):
    s = str(s).replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", s):
        s += ":00"
    return dt.datetime.fromisoformat(s).strftime("%Y-%m-%d")


def check_chart(sec, j, name):
    rows = j.get("timeseries") or []
    block = sec.find("div", "chart-block")
    bad = []
    if block is None:
        return report(False, "%s: chart section" % name, "no div.chart-block")
    chart = block.find("svg", "chart")
    entered = sum(i(r["entered"]) for r in rows)
    converted = sum(i(r["converted"]) for r in rows)
    if entered == 0 and converted == 0:
        if chart is not None:
            bad.append("a chart for a journey without entries")
        if "No traffic yet" not in block.norm():
            bad.append("no 'No traffic yet' in the chart's place")
        what = "no chart, 'No traffic yet'"
    else:
        what = "inline SVG chart of %d entered, %d converted" % (entered, converted)
        if chart is None:
            bad.append("no svg.chart")
        else:
            days = list(chart.find_all("g", "day"))
            shown_e = sum(int(d.attrs.get("data-entered", 0)) for d in days)
            shown_c = sum(int(d.attrs.get("data-converted", 0)) for d in days)
            if (shown_e, shown_c) != (entered, converted):
                bad.append("bars sum to %d entered, %d converted" % (shown_e, shown_c))
            want_days = {parse_day(r["bucket"]): (i(r["entered"]), i(r["converted"])) for r in rows
                         if i(r["entered"]) or i(r["converted"])}
            have_days = {d.attrs.get("data-day"): (int(d.attrs.get("data-entered", 0)),
                                                   int(d.attrs.get("data-converted", 0))) for d in days}
            for day, v in want_days.items():
                if have_days.get(day) != v:
                    bad.append("day %s: page %s, function %s" % (day, have_days.get(day), v))
            for cls in ("entered", "converted"):
                if not any(cls in r.classes() for r in chart.find_all("rect", "bar")):
                    bad.append("no %s bars" % cls)
    report(not bad, "%s: daily chart as journey.timeseries returns it (%s)" % (name, what), *bad)


def expected_winners(j):
    rows = j.get("split_report") or []
    base_of = {u["node"]: u["baseline"] for u in (j.get("split_uplift") or []) if isinstance(u.get("baseline"), str)}
    winners = {}
    for node in dict.fromkeys(r["node"] for r in rows):
        arms = [r for r in rows if r["node"] == node]
        base = next((a for a in arms if a["label"] == base_of.get(node)), None) or \
            next((a for a in arms if a["p_value"] is None), arms[0])
        cands = [a for a in arms if a is not base and a["p_value"] is not None and float(a["p_value"]) < 0.05
                 and float(a["conversion_rate"] or 0) > float(base["conversion_rate"] or 0)]
        if cands:
            winners[node] = max(cands, key=lambda a: float(a["conversion_rate"]))["label"]
    return winners


def check_splits(sec, j, name):
    rows = j.get("split_report") or []
    block = sec.find("div", "splits-block")
    if block is None:
        return report(False, "%s: splits section" % name, "no div.splits-block")
    bad = []
    winners = expected_winners(j)
    if not rows:
        if "No split" not in block.norm():
            bad.append("no 'No split' note")
        if block.find("table") is not None:
            bad.append("a split table without splits")
        report(not bad, "%s: no split, said so" % name, *bad)
        return
    for r in rows:
        table = block.find("table", "split", data_node=r["node"])
        tr = table.find("tr", data_label=r["label"] if r["label"] is not None else "") if table is not None else None
        if tr is None:
            bad.append("no row for split %r arm %r" % (r["node"], r["label"]))
            continue
        label_td = tr.find("td", data_k="label")
        if r["label"] is not None and (label_td is None or r["label"] not in label_td.text()):
            bad.append("arm label %r not shown as text (%r)" % (r["label"], label_td.text() if label_td else None))
        for k in ("entered", "converted"):
            td = tr.find("td", data_k=k)
            have = count_of(td.norm()) if td is not None else None
            if have != i(r[k]):
                bad.append("%s/%s %s: page %s, function %s" % (r["node"], r["label"], k, have, r[k]))
        td = tr.find("td", data_k="conversion_rate")
        if td is None or not close(pct_of(td.norm()), r["conversion_rate"]):
            bad.append("%s/%s rate: page %r, function %s" % (r["node"], r["label"], td.norm() if td else None,
                                                            r["conversion_rate"]))
        marked = label_td is not None and label_td.find("span", "winner") is not None and "winner" in label_td.norm()
        want = winners.get(r["node"]) == r["label"]
        if marked != want:
            bad.append("%s/%s (p=%s, rate %s): winner mark %s, want %s"
                       % (r["node"], r["label"], r["p_value"], r["conversion_rate"], marked, want))
    desc = ", ".join("%s: %s" % kv for kv in winners.items()) or "none"
    report(not bad, "%s: split arms as journey.split_report returns them; winner marked where p < 0.05 and "
           "the rate is higher (winners: %s)" % (name, desc), *bad)


def check_page(root, data):
    bad = []
    for n in root.walk():
        if n.tag in ("script", "img", "iframe", "object", "embed", "link", "form", "input", "foreignobject"):
            bad.append("element <%s> in the page" % n.tag)
        for k, v in n.attrs.items():
            if k.startswith("on"):
                bad.append("attribute %s on <%s>" % (k, n.tag))
            if k in ("src", "href", "xlink:href") and not (v or "").startswith("#"):
                bad.append("%s=%r on <%s>" % (k, v, n.tag))
    report(not bad, "the page is self-contained and inert: no script, image, link or external reference, no "
           "event attribute (database text is escaped)", *bad)
    errors = [e.norm() for e in root.find_all(cls="error")]
    report(not errors, "no section failed to render", *errors)
    names = [s.attrs.get("data-journey") for s in root.find_all("section", "journey")]
    want = [j["name"] for j in data["journeys"]]
    report(names == want, "one section per journey, in order: %s" % ", ".join(want), "page: %s" % names)


def main():
    dom_file, expect_file = sys.argv[1], sys.argv[2]
    with open(dom_file, encoding="utf-8") as f:
        t = Tree()
        t.feed(f.read())
    with open(expect_file, encoding="utf-8") as f:
        data = json.load(f)
    root = t.root
    check_page(root, data)
    for j in data["journeys"]:
        name = j["name"]
        sec = root.find("section", "journey", data_journey=name)
        h2 = sec.find("h2") if sec is not None else None
        if sec is None or h2 is None or not h2.norm().startswith(name):
            report(False, "%s: its section and name" % name, "no section with heading %r" % name)
            continue
        ok = True
        why = []
        if j.get("description"):
            d = sec.find("p", "desc")
            ok = d is not None and d.norm() == " ".join(j["description"].split())
            why = ["page: %r" % (d.norm() if d else None), "want: %r" % j["description"]]
        report(ok, "%s: its section, name%s" % (name, " and description (as text)" if j.get("description") else ""),
               *([] if ok else why))
        check_summary(sec, j, name)
        check_nodes(sec, j, name)
        check_diagram(sec, j, name)
        check_chart(sec, j, name)
        check_splits(sec, j, name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
