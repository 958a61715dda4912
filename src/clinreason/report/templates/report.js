// The item browser and the sortable leaderboard. Data is shown with textContent only:
// never innerHTML, never attribute values built from data except plain text attributes.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var RUNS = {};
  DATA.runs.forEach(function (r) { RUNS[r.run_id] = r; });

  // el("div", {className: "x"}, "text", childNode, ...): strings become text nodes.
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (k === "className") node.className = props[k];
      else if (k === "onclick") node.addEventListener("click", props[k]);
      else node.setAttribute(k, String(props[k]));
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function pre(text) { return el("pre", null, text === null || text === undefined ? "" : String(text)); }
  // A judge's verdict as readable fields: its scalar findings, each step / claim / criterion on a
  // line, what the judge's own calls cost (their ids point at the stored calls), and the raw JSON.
  var JUDGE_SKIP = {cost: 1, units: 1, judge: 1};
  function judgeItem(x) {
    if (x === null || typeof x !== "object") return String(x);
    return Object.keys(x).map(function (k) {
      var v = x[k];
      return (typeof v === "boolean") ? k + " " + (v ? "✓" : "✗") : k + ": " + (typeof v === "object" ? JSON.stringify(v) : v);
    }).join(" · ");
  }
  function judgeVerdict(j) {
    var d = j.detail || {};
    var box = el("details", {className: "judge"},
      el("summary", null, j.scorer + ": " + (j.label || fmt(j.value, 2)) + (d.judge ? " (judge " + d.judge + ")" : "")));
    var rows = el("dl", {className: "verdict"});
    Object.keys(d).forEach(function (k) {
      if (JUDGE_SKIP[k]) return;
      var v = d[k];
      rows.appendChild(el("dt", null, k));
      if (Array.isArray(v) && v.length && typeof v[0] === "object") {
        var list = el("ol", null);
        v.forEach(function (x) { list.appendChild(el("li", null, judgeItem(x))); });
        rows.appendChild(el("dd", null, list));
      } else {
        rows.appendChild(el("dd", null, v !== null && typeof v === "object" ? JSON.stringify(v) : String(v)));
      }
    });
    box.appendChild(rows);
    if (d.cost) {
      var ids = d.cost.call_ids || [];
      box.appendChild(el("div", {className: "stats"}, "judge calls: " + ids.length + " (" + (d.cost.cached_calls || 0) +
        " cached) · " + ((d.cost.prompt_tokens || 0) + (d.cost.completion_tokens || 0)) + " tokens · call ids " + ids.join(", ")));
    }
    box.appendChild(el("details", {className: "raw"}, el("summary", null, "raw"), pre(JSON.stringify(d, null, 2))));
    return box;
  }
  function fmt(x, digits) { return (x === null || x === undefined) ? "–" : Number(x).toFixed(digits); }

  // --- leaderboard sorting --------------------------------------------------------------
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("th");
    headers.forEach(function (th, col) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("sorted-asc");
        headers.forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
        th.classList.add(asc ? "sorted-asc" : "sorted-desc");
        var numeric = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var va = x.hasAttribute("data-sort") ? x.getAttribute("data-sort") : x.textContent;
          var vb = y.hasAttribute("data-sort") ? y.getAttribute("data-sort") : y.textContent;
          var d = numeric ? parseFloat(va) - parseFloat(vb) : va.localeCompare(vb);
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // --- item browser ---------------------------------------------------------------------
  var runSelect = document.getElementById("filter-run");
  var statusSelect = document.getElementById("filter-status");
  var subjectSelect = document.getElementById("filter-subject");
  var amongSelect = document.getElementById("filter-among");
  var search = document.getElementById("search");
  var list = document.getElementById("item-list");
  var detail = document.getElementById("item-detail");
  var count = document.getElementById("match-count");
  var selectedKey = null;

  DATA.runs.forEach(function (r) {
    runSelect.appendChild(el("option", {value: r.run_id}, r.label));
    amongSelect.appendChild(el("option", {value: r.run_id}, r.label));
  });
  amongSelect.setAttribute("size", String(Math.min(6, Math.max(2, DATA.runs.length))));

  // The runs the browser looks at: those picked in "among runs", or all of them.
  function amongRuns() {
    var picked = Array.prototype.filter.call(amongSelect.options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
    return picked.length ? picked : null;
  }
  function resultsAmong(item) {
    var among = amongRuns();
    var ids = Object.keys(item.results).filter(function (rid) { return !among || among.indexOf(rid) >= 0; });
    return ids;
  }
  // Do the given runs' answers on this item differ? An unparsed reply counts as its own answer.
  function disagree(item, ids) {
    var answers = {};
    ids.forEach(function (rid) {
      var res = item.results[rid];
      if (res.status === "correct" || res.status === "wrong" || res.status === "unparsed") answers[String(res.answer)] = true;
    });
    return Object.keys(answers).length > 1;
  }
  DATA.subjects.forEach(function (s) { subjectSelect.appendChild(el("option", {value: s}, s)); });

  // Lower-cased text per item for search: question, options, gold, every run's output.
  DATA.items.forEach(function (item) {
    var parts = [item.id, item.question, item.context || "", item.gold];
    Object.keys(item.options || {}).forEach(function (k) { parts.push(item.options[k]); });
    Object.keys(item.results).forEach(function (rid) { parts.push(item.results[rid].output || ""); });
    item._haystack = parts.join("\n").toLowerCase();
  });

  function matches(item) {
    var run = runSelect.value, status = statusSelect.value, subject = subjectSelect.value;
    var query = search.value.trim().toLowerCase();
    var ids = resultsAmong(item);
    var results = run ? (item.results[run] ? [item.results[run]] : []) : ids.map(function (k) { return item.results[k]; });
    if (run && !results.length) return false;
    if (!run && !ids.length) return false;
    if (status === "disagree") { if (!disagree(item, ids)) return false; }
    else if (status && !results.some(function (r) { return r.status === status; })) return false;
    if (subject && item.subject !== subject) return false;
    if (query && query.split(/\s+/).some(function (w) { return item._haystack.indexOf(w) < 0; })) return false;
    return true;
  }

  function tally(item) {
    var c = {correct: 0, wrong: 0, unparsed: 0, error: 0};
    resultsAmong(item).forEach(function (k) { var s = item.results[k].status; if (s in c) c[s]++; });
    return c;
  }

  function renderList() {
    while (list.firstChild) list.removeChild(list.firstChild);
    var shown = DATA.items.filter(matches);
    count.textContent = shown.length + " of " + DATA.items.length + " items";
    var run = runSelect.value;
    shown.forEach(function (item) {
      var chips = el("span", {className: "chips"});
      if (run) {
        var s = item.results[run].status;
        chips.appendChild(el("span", {className: "chip " + s}, s));
      } else {
        var t = tally(item);
        ["correct", "wrong", "unparsed", "error"].forEach(function (s) {
          if (t[s]) chips.appendChild(el("span", {className: "chip " + s, title: s}, t[s] + " " + s));
        });
      }
      if (disagree(item, resultsAmong(item))) chips.appendChild(el("span", {className: "chip disagree"}, "disagree"));
      var li = el("li", {"data-key": item.key, className: item.key === selectedKey ? "selected" : ""},
        thumbs(item, true), el("span", {className: "id"}, item.benchmark + " " + item.id), chips,
        el("span", {className: "snippet"}, item.question.slice(0, 160)));
      li.addEventListener("click", function () { selectedKey = item.key; renderList(); renderDetail(item); });
      list.appendChild(li);
    });
  }

  // One trace event. Everything shown is text (createTextNode): model output and data are never markup.
  function renderEvent(ev, index) {
    if (ev.type === "turn")
      return el("div", {className: "call turn"}, el("span", {className: "role"}, ev.speaker), pre(ev.text));
    if (ev.type === "tool")
      return el("div", {className: "call tool"},
        el("div", {className: "stats"}, "tool " + ev.name + (ev.error ? " · error" : "") + " · " + fmt(ev.latency_s, 3) + " s"),
        el("div", null, el("span", {className: "role"}, "arguments"),
          pre(typeof ev.arguments === "string" ? ev.arguments : JSON.stringify(ev.arguments))),
        el("div", null, el("span", {className: "role"}, ev.error ? "error" : "result"), pre(ev.error || ev.result)));
    if (ev.type === "retrieval") {
      var box = el("div", {className: "call retrieval"},
        el("div", {className: "stats"}, "retrieval from " + ev.source + ": " + (ev.doc_ids || []).join(", ")),
        el("div", null, el("span", {className: "role"}, "query"), pre(ev.query)));
      // Each passage as text, under its id and score (traces stored before passages were kept show ids only).
      (ev.passages || []).forEach(function (text, i) {
        var score = ev.scores && ev.scores[i] !== undefined ? " · " + fmt(ev.scores[i], 3) : "";
        box.appendChild(el("div", {className: "passage"},
          el("span", {className: "role"}, ((ev.doc_ids || [])[i] || "passage " + (i + 1)) + score), pre(text)));
      });
      return box;
    }
    return renderCall(ev, index);
  }

  function renderCall(call, index) {
    var box = el("div", {className: "call"},
      el("div", {className: "stats"}, (call.role && call.role !== "model" ? call.role + " " : "") + "call " + (index + 1) +
        (call.tag ? " · " + call.tag : "") +
        (call.cached ? " · cached" : "") + " · " + (call.prompt_tokens || 0) + " prompt + " +
        (call.completion_tokens || 0) + " completion tokens" + (call.model ? " · " + call.model : "") +
        (call.tool_calls && call.tool_calls.length ? " · asked for " + call.tool_calls.join(", ") : "")));
    (call.messages || []).forEach(function (m) { box.appendChild(el("div", null, el("span", {className: "role"}, m.role), pre(m.content))); });
    box.appendChild(el("div", null, el("span", {className: "role"}, "response"), pre(call.response)));
    if (call.error) box.appendChild(el("div", {className: "stats"}, "error: " + call.error));
    return box;
  }

  // A consultation (issue 15) as a conversation: doctor / patient / measurement bubbles, all text.
  // The case's facts are listed with the revealed ones marked; each patient reply is tagged with the
  // fact numbers it revealed (1-based here, as listed), and with the words the faithfulness rule flagged.
  function renderConsultation(item, res) {
    var ep = (res.info || {}).episode;
    if (!ep) return null;
    var grades = res.episode || {};
    var revealed = {};
    (ep.facts_revealed || []).forEach(function (f) { revealed[f] = true; });
    var flagged = {};
    (grades.unfaithful_replies || []).forEach(function (r) { flagged[r.turn] = r.unsupported || []; });
    var box = el("div", {className: "consultation"},
      el("div", {className: "stats"}, (ep.turns || 0) + " turns · " + (ep.questions || 0) + " questions · " +
        (ep.tests || 0) + " tests · " + (ep.facts_revealed || []).length + " of " + (ep.n_facts || 0) +
        " facts revealed · stopped: " + (ep.stopped || "?") + (ep.strategy ? " · " + ep.strategy : "")));
    var facts = item.facts || [];
    if (facts.length) {
      var ol = el("ol", {className: "facts"});
      facts.forEach(function (f, i) {
        ol.appendChild(el("li", {className: revealed[i] ? "fact revealed" : "fact", "data-fact": i}, f));
      });
      box.appendChild(el("details", {className: "facts-box", open: "open"},
        el("summary", null, "facts of the case (revealed ones marked)"), ol));
    }
    var dialogue = el("div", {className: "dialogue"});
    (res.trace || []).forEach(function (ev) {
      if (ev.type !== "turn") return;
      var speaker = ev.speaker === "patient" || ev.speaker === "measurement" ? ev.speaker : "doctor";
      var head = speaker + (ev.turn ? " · turn " + ev.turn : "") + (ev.kind ? " · " + ev.kind : "");
      var bubble = el("div", {className: "bubble " + speaker + (ev.kind ? " " + ev.kind : "")},
        el("div", {className: "who"}, head), el("div", {className: "said"}, ev.text));
      if ((ev.kind === "intermediate" || ev.kind === "answer") && ev.answer !== undefined) {
        var ok = ev.kind === "answer" ? grades.final_correct :
          ev.turn ? (grades.correct_after || [])[ev.turn - 1] : null;
        bubble.appendChild(el("div", {className: "tags"}, "answer: " + (ev.answer === null ? "–" : ev.answer) +
          (ok === 1 ? " ✓" : ok === 0 ? " ✗" : "")));
      }
      if (ev.facts && ev.facts.length)
        bubble.appendChild(el("div", {className: "tags revealed-tag"}, "reveals fact " +
          ev.facts.map(function (f) { return "#" + (f + 1); }).join(", ")));
      if (speaker === "patient" && ev.turn && flagged[ev.turn])
        bubble.appendChild(el("div", {className: "tags unfaithful"}, "not in the facts: " + flagged[ev.turn].join(", ")));
      dialogue.appendChild(bubble);
    });
    box.appendChild(dialogue);
    return box;
  }

  function renderResult(rid, res, item) {
    var run = RUNS[rid];
    var card = el("div", {className: "run-card " + res.status, "data-run": rid},
      el("h4", null, run.label),
      el("div", null, el("span", {className: "chip " + res.status}, res.status), " answer: ",
        el("strong", {className: "answer"}, res.answer === null ? "–" : res.answer),
        res.rule ? " (" + res.rule + ")" : ""),
      el("div", {className: "stats"}, res.tokens + " tokens · " + res.n_calls + " calls · " + fmt(res.wall_s, 2) + " s" +
        (res.confidence !== null && res.confidence !== undefined ? " · confidence " + fmt(res.confidence, 2) : "")));
    if (res.error) card.appendChild(el("div", {className: "stats"}, "error: " + res.error));
    (res.judges || []).forEach(function (j) { card.appendChild(judgeVerdict(j)); });
    var consultation = item ? renderConsultation(item, res) : null;
    if (consultation) card.appendChild(consultation);
    card.appendChild(el("div", {className: "role"}, "output"));
    card.appendChild(pre(res.output));
    var info = res.info || {};
    if (Object.keys(info).length) card.appendChild(el("details", {className: "info"}, el("summary", null, "info (votes, rounds, …)"), pre(JSON.stringify(info, null, 2))));
    if (res.trace && res.trace.length) {
      var nCalls = res.trace.filter(function (e) { return e.type === "model_call"; }).length;
      var nOther = res.trace.length - nCalls;
      var tr = el("details", {className: "trace"}, el("summary", null, "trace: " + nCalls + " call" + (nCalls === 1 ? "" : "s") +
        (nOther ? " + " + nOther + " event" + (nOther === 1 ? "" : "s") : "")));
      res.trace.forEach(function (c, i) { tr.appendChild(renderEvent(c, i)); });
      card.appendChild(tr);
    }
    return card;
  }

  // Item images: thumbnails we re-encoded in Python (report/images.py), looked up by hash. Only a
  // data:image/jpeg;base64 URL of base64 characters becomes an src; anything else shows as text.
  var THUMBS = DATA.thumbs || {};
  var THUMB_PREFIX = "data:image/jpeg;base64,";
  function thumb(item, index, small) {
    var image = item.images[index];
    var url = THUMBS[image.sha256];
    var alt = "image " + (index + 1) + " of " + item.benchmark + " item " + item.id;
    if (typeof url !== "string" || url.indexOf(THUMB_PREFIX) !== 0 || !/^[A-Za-z0-9+\/=]+$/.test(url.slice(THUMB_PREFIX.length)))
      return el("span", {className: "thumb-missing", title: "sha256 " + image.sha256}, small ? "[image]" : "[" + alt + ": not embedded]");
    var img = el("img", {className: small ? "thumb small" : "thumb", alt: alt, title: alt + " · sha256 " + image.sha256});
    img.src = url;
    return img;
  }
  function thumbs(item, small) {
    if (!item.images || !item.images.length) return null;
    var box = el("div", {className: small ? "thumbs small" : "thumbs"});
    item.images.forEach(function (_, i) { box.appendChild(thumb(item, i, small)); });
    return box;
  }

  function renderDetail(item) {
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    detail.appendChild(el("h3", null, item.benchmark + " · item " + item.id + (item.subject ? " · " + item.subject : "")));
    if (item.context) detail.appendChild(el("div", {className: "question context"}, item.context));
    var pics = thumbs(item, false);
    if (pics) detail.appendChild(pics);
    if (item.transform === "blind") detail.appendChild(el("p", {className: "hint"}, "image-blind item (source item " + item.source_id + "): the image was withheld from the model"));
    detail.appendChild(el("div", {className: "question"}, item.question));
    var opts = el("ul", {className: "options"});
    Object.keys(item.options || {}).forEach(function (k) {
      var gold = k === item.gold || (item.task === "yes_no_maybe" && String(item.options[k]).toLowerCase() === item.gold);
      opts.appendChild(el("li", {className: gold ? "gold" : ""}, k + ". " + item.options[k]));
    });
    detail.appendChild(opts);
    detail.appendChild(el("p", null, "gold answer: ", el("strong", {className: "gold-answer"}, item.gold)));
    if (item.explanation) detail.appendChild(el("details", null, el("summary", null, "reference explanation"), pre(item.explanation)));
    var run = runSelect.value;
    var ids = resultsAmong(item);
    if (run && ids.indexOf(run) < 0 && item.results[run]) ids.push(run);
    if (disagree(item, ids)) detail.appendChild(el("div", {className: "disagreement"}, "Runs disagree on this item: answers are shown side by side."));
    var grid = el("div", {className: "runs"});
    // The filtered run first, then the others: disagreements read left to right.
    ids.sort(function (a, b) { return (b === run) - (a === run); });
    // Runs that agree (same result, same answer) are collapsed behind their first card.
    var groups = {}, order = [];
    ids.forEach(function (rid) {
      var res = item.results[rid];
      var k = res.status + "\u0000" + String(res.answer);
      if (!(k in groups)) { groups[k] = []; order.push(k); }
      groups[k].push(rid);
    });
    order.forEach(function (k) {
      var members = groups[k];
      var first = renderResult(members[0], item.results[members[0]], item);
      grid.appendChild(first);
      if (members.length > 1) {
        var rest = members.slice(1);
        var res0 = item.results[members[0]];
        var box = el("details", {className: "agree-group"},
          el("summary", null, "+ " + rest.length + " more run" + (rest.length === 1 ? "" : "s") + " with the same result (" +
            res0.status + ", answer " + (res0.answer === null ? "–" : res0.answer) + "): " +
            rest.map(function (rid) { return RUNS[rid].label; }).join("; ")));
        box.addEventListener("toggle", function () {  // cards built on first open: 50 runs stay quick
          if (!box.open || box._built) return;
          box._built = true;
          rest.forEach(function (rid) { box.appendChild(renderResult(rid, item.results[rid], item)); });
        });
        first.appendChild(box);
      }
    });
    detail.appendChild(grid);
  }

  [runSelect, statusSelect, subjectSelect, amongSelect].forEach(function (s) { s.addEventListener("change", renderList); });
  search.addEventListener("input", renderList);
  renderList();

  // --- compare two runs -----------------------------------------------------------------
  var cmpA = document.getElementById("compare-a"), cmpB = document.getElementById("compare-b");
  var cmpOut = document.getElementById("compare-result");
  var PAIRS = {};
  (DATA.groups || []).forEach(function (g) {
    (g.pairs || []).forEach(function (p) { PAIRS[p.a + "\u0000" + p.b] = p; });
    [cmpA, cmpB].forEach(function (sel) {
      var og = el("optgroup", {label: g.key});
      g.runs.forEach(function (rid, i) { og.appendChild(el("option", {value: rid}, "#" + (i + 1) + " " + RUNS[rid].label)); });
      sel.appendChild(og);
    });
  });
  var firstGroup = (DATA.groups || []).filter(function (g) { return g.runs.length > 1; })[0];
  if (firstGroup) { cmpA.value = firstGroup.runs[0]; cmpB.value = firstGroup.runs[1]; }

  // Exact two-sided McNemar (sign test on the discordant pairs), in log space: no underflow at large n.
  function mcnemar(b, c) {
    var n = b + c, k = Math.min(b, c);
    if (n === 0) return 1;
    var logs = [], lp = n * Math.log(0.5);
    for (var i = 0; i <= k; i++) { logs.push(lp); lp += Math.log((n - i) / (i + 1)); }
    var m = Math.max.apply(null, logs), sum = 0;
    logs.forEach(function (x) { sum += Math.exp(x - m); });
    return Math.min(1, 2 * Math.exp(m) * sum);
  }
  function pct(x) { return (x === null || x === undefined) ? "–" : (100 * x).toFixed(1) + "%"; }
  function signedPct(x) { return (x > 0 ? "+" : "") + pct(x); }

  function renderCompare() {
    while (cmpOut.firstChild) cmpOut.removeChild(cmpOut.firstChild);
    var a = cmpA.value, b = cmpB.value;
    if (!a || !b) { cmpOut.appendChild(el("p", {className: "hint"}, "Pick two runs.")); return; }
    if (a === b) { cmpOut.appendChild(el("p", {className: "hint"}, "A and B are the same run.")); return; }
    var graded = {correct: 1, wrong: 1, unparsed: 1};
    var cells = {rr: 0, rw: 0, wr: 0, ww: 0}, flipped = [];
    DATA.items.forEach(function (item) {
      var x = item.results[a], y = item.results[b];
      if (!x || !y || !graded[x.status] || !graded[y.status]) return;
      var ca = x.status === "correct", cb = y.status === "correct";
      cells[(ca ? "r" : "w") + (cb ? "r" : "w")]++;
      if (ca !== cb) flipped.push({item: item, dir: ca ? "right → wrong" : "wrong → right"});
    });
    var n = cells.rr + cells.rw + cells.wr + cells.ww;
    if (!n) { cmpOut.appendChild(el("p", {className: "hint", id: "compare-none"}, "These runs share no graded items (different benchmarks?).")); return; }
    var pre_ = PAIRS[a + "\u0000" + b], rev = PAIRS[b + "\u0000" + a];
    var diff = (cells.wr - cells.rw) / n, ci = null, p = null, source = "computed here (no interval: not among the precomputed pairs)";
    if (pre_) { ci = pre_.ci95; p = pre_.p_value; source = "precomputed"; }
    else if (rev) { ci = rev.ci95 ? [-rev.ci95[1], -rev.ci95[0]] : null; p = rev.p_value; source = "precomputed"; }
    if (p === null) p = mcnemar(cells.rw, cells.wr);
    var table = el("table", {id: "flip-table", className: "flip"},
      el("thead", null, el("tr", null, el("th", null, ""), el("th", null, "B right"), el("th", null, "B wrong"))),
      el("tbody", null,
        el("tr", null, el("th", null, "A right"), el("td", null, String(cells.rr)), el("td", {className: "flip-rw"}, String(cells.rw))),
        el("tr", null, el("th", null, "A wrong"), el("td", {className: "flip-wr"}, String(cells.wr)), el("td", null, String(cells.ww)))));
    cmpOut.appendChild(el("div", {className: "compare-head"},
      el("div", null, "A: ", el("strong", null, RUNS[a].label)), el("div", null, "B: ", el("strong", null, RUNS[b].label))));
    cmpOut.appendChild(table);
    cmpOut.appendChild(el("p", {id: "compare-stats"}, n + " shared items · accuracy A " + pct((cells.rr + cells.rw) / n) +
      ", B " + pct((cells.rr + cells.wr) / n) + " · difference B − A " + signedPct(diff) +
      (ci ? " (95% CI " + signedPct(ci[0]) + " to " + signedPct(ci[1]) + ")" : "") +
      " · McNemar p = " + (p < 0.001 ? p.toExponential(1) : p.toFixed(3)) + " · " + source));
    var listBox = el("div", {id: "flipped-items"});
    cmpOut.appendChild(el("h3", null, flipped.length + " items flipped"));
    var LIMIT = 100;
    flipped.slice(0, LIMIT).forEach(function (f) {
      var item = f.item;
      var box = el("details", {className: "flipped", "data-key": item.key},
        el("summary", null, f.dir + " · " + item.benchmark + " " + item.id + " · " + item.question.slice(0, 120)));
      box.addEventListener("toggle", function () {
        if (!box.open || box._built) return;
        box._built = true;
        box.appendChild(el("div", {className: "question"}, item.question));
        box.appendChild(el("p", null, "gold answer: ", el("strong", null, item.gold)));
        box.appendChild(el("div", {className: "runs two"}, renderResult(a, item.results[a], item), renderResult(b, item.results[b], item)));
      });
      listBox.appendChild(box);
    });
    if (flipped.length > LIMIT) listBox.appendChild(el("p", {className: "hint"}, (flipped.length - LIMIT) + " more flipped items not listed: filter the item browser by run."));
    cmpOut.appendChild(listBox);
  }
  [cmpA, cmpB].forEach(function (s) { s.addEventListener("change", renderCompare); });
  renderCompare();

})();
