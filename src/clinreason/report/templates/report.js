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
  var search = document.getElementById("search");
  var list = document.getElementById("item-list");
  var detail = document.getElementById("item-detail");
  var count = document.getElementById("match-count");
  var selectedKey = null;

  DATA.runs.forEach(function (r) { runSelect.appendChild(el("option", {value: r.run_id}, r.label + " — " + r.benchmark)); });
  DATA.subjects.forEach(function (s) { subjectSelect.appendChild(el("option", {value: s}, s)); });

  // Lower-cased text per item for search: question, options, gold, every run's output.
  DATA.items.forEach(function (item) {
    var parts = [item.id, item.question, item.context || "", item.gold];
    Object.keys(item.options || {}).forEach(function (k) { parts.push(item.options[k]); });
    Object.keys(item.results).forEach(function (rid) { parts.push(item.results[rid].output || ""); });
    item._haystack = parts.join("\n").toLowerCase();
    var answers = {};
    Object.keys(item.results).forEach(function (rid) {
      var res = item.results[rid];
      // An unparsed reply counts as its own answer: a run that could not answer disagrees too.
      if (res.status === "correct" || res.status === "wrong" || res.status === "unparsed") answers[res.answer] = true;
    });
    item._disagree = Object.keys(answers).length > 1;
  });

  function matches(item) {
    var run = runSelect.value, status = statusSelect.value, subject = subjectSelect.value;
    var query = search.value.trim().toLowerCase();
    var results = run ? (item.results[run] ? [item.results[run]] : []) : Object.keys(item.results).map(function (k) { return item.results[k]; });
    if (run && !results.length) return false;
    if (status === "disagree") { if (!item._disagree) return false; }
    else if (status && !results.some(function (r) { return r.status === status; })) return false;
    if (subject && item.subject !== subject) return false;
    if (query && query.split(/\s+/).some(function (w) { return item._haystack.indexOf(w) < 0; })) return false;
    return true;
  }

  function tally(item) {
    var c = {correct: 0, wrong: 0, unparsed: 0, error: 0};
    Object.keys(item.results).forEach(function (k) { var s = item.results[k].status; if (s in c) c[s]++; });
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
      if (item._disagree) chips.appendChild(el("span", {className: "chip disagree"}, "disagree"));
      var li = el("li", {"data-key": item.key, className: item.key === selectedKey ? "selected" : ""},
        el("span", {className: "id"}, item.benchmark + " " + item.id), chips,
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
    (res.judges || []).forEach(function (j) {
      card.appendChild(el("details", {className: "judge"}, el("summary", null, j.scorer + ": " + (j.label || fmt(j.value, 2))),
        pre(JSON.stringify(j.detail, null, 2))));
    });
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

  function renderDetail(item) {
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    detail.appendChild(el("h3", null, item.benchmark + " · item " + item.id + (item.subject ? " · " + item.subject : "")));
    if (item.context) detail.appendChild(el("div", {className: "question context"}, item.context));
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
    var ids = Object.keys(item.results);
    if (item._disagree) detail.appendChild(el("div", {className: "disagreement"}, "Runs disagree on this item: answers are shown side by side."));
    var grid = el("div", {className: "runs"});
    // The filtered run first, then the others: disagreements read left to right.
    ids.sort(function (a, b) { return (b === run) - (a === run); });
    ids.forEach(function (rid) { grid.appendChild(renderResult(rid, item.results[rid], item)); });
    detail.appendChild(grid);
  }

  [runSelect, statusSelect, subjectSelect].forEach(function (s) { s.addEventListener("change", renderList); });
  search.addEventListener("input", renderList);
  renderList();
})();
