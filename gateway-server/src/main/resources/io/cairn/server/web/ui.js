// Cairn web UI. Plain DOM, no framework. Every stored string (label names and values, metric names, help texts)
// reaches the page through textContent or a text node, never as markup. All URLs are relative to the page, which
// is served at <prefix>/ and <prefix>/status, so they resolve under the route prefix.
(function () {
  "use strict";

  var GROUPS_URL = "api/cairn/v1/groups";
  var SERIES_PER_FAMILY = 500;
  var FILTER_DELAY_MS = 250;

  var state = { offset: 0, limit: 50, filter: "", open: new Set(), request: 0, matched: 0, pendingDelete: null };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /** A Unix time in seconds as "YYYY-MM-DD hh:mm:ss" in UTC. */
  function formatTime(seconds) {
    var d = new Date(seconds * 1000);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function formatAgo(seconds) {
    var s = Math.max(0, Math.round(Date.now() / 1000 - seconds));
    if (s < 60) {
      return s + " s ago";
    }
    if (s < 3600) {
      return Math.floor(s / 60) + " min ago";
    }
    if (s < 86400 * 2) {
      return Math.floor(s / 3600) + " h ago";
    }
    return Math.floor(s / 86400) + " days ago";
  }

  function formatCount(n) {
    return Number(n).toLocaleString("en-US");
  }

  async function getJson(url) {
    var response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) {
      throw new Error(response.status + " " + response.statusText + ": " + (await response.text()).trim());
    }
    return (await response.json()).data;
  }

  function showError(id, error) {
    var node = $(id);
    node.textContent = error ? String(error.message || error) : "";
    node.hidden = !error;
  }

  // ---------------------------------------------------------------- labels

  function labelChip(name, value) {
    var chip = el("span", "label");
    if (name === "job" || name === "instance") {
      chip.classList.add(name);
    }
    chip.appendChild(el("span", "name", name + "="));
    chip.appendChild(el("span", "value", JSON.stringify(value)));
    return chip;
  }

  function labelList(labels, skip) {
    var list = el("div", "labels");
    var names = Object.keys(labels);
    // job first, then instance, then the rest in name order: the way operators read a grouping key
    names.sort(function (a, b) {
      var rank = function (n) { return n === "job" ? 0 : n === "instance" ? 1 : 2; };
      return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
    });
    names.forEach(function (name) {
      if (!skip || !skip.has(name)) {
        list.appendChild(labelChip(name, labels[name]));
      }
    });
    return list;
  }

  // ---------------------------------------------------------------- groups

  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    state.filter = params.get("filter") || "";
    state.offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
    var limit = parseInt(params.get("limit") || "50", 10);
    state.limit = [25, 50, 100, 200].indexOf(limit) >= 0 ? limit : 50;
  }

  function writeHash() {
    var params = new URLSearchParams();
    if (state.filter) {
      params.set("filter", state.filter);
    }
    if (state.offset) {
      params.set("offset", String(state.offset));
    }
    if (state.limit !== 50) {
      params.set("limit", String(state.limit));
    }
    var hash = params.toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }

  async function loadGroups() {
    var request = ++state.request;
    var filter = state.filter;
    writeHash();
    var url = GROUPS_URL + "?offset=" + state.offset + "&limit=" + state.limit + "&filter=" +
      encodeURIComponent(filter);
    var data;
    try {
      data = await getJson(url);
    } catch (e) {
      if (request === state.request) {
        showError("metrics-error", e);
      }
      return;
    }
    if (request !== state.request) {
      return; // a newer request was sent meanwhile
    }
    if (data.groups.length === 0 && data.matched > 0 && state.offset > 0) {
      // the page emptied (groups deleted): show the last page that has groups
      state.offset = Math.floor((data.matched - 1) / state.limit) * state.limit;
      return loadGroups();
    }
    showError("metrics-error", null);
    renderGroups(data);
    $("groups").dataset.filter = filter; // which filter the rows answer: for tests and scripts
    return data;
  }

  function renderGroups(data) {
    state.matched = data.matched;
    var body = $("groups");
    body.replaceChildren();
    data.groups.forEach(function (group) {
      body.appendChild(groupRow(group));
      if (state.open.has(group.path)) {
        body.appendChild(detailRow(group));
      }
    });
    $("no-groups").hidden = data.groups.length > 0;
    $("no-groups").textContent = data.total === 0 ? "No groups have been pushed yet." : "No group matches the filter.";
    var first = data.groups.length ? data.offset + 1 : 0;
    var last = data.offset + data.groups.length;
    var range = "Groups " + formatCount(first) + "\u2013" + formatCount(last) + " of " + formatCount(data.matched);
    if (data.matched !== data.total) {
      range += " matching (" + formatCount(data.total) + " in total)";
    }
    if (data.matched === 0) {
      range = data.total === 0 ? "0 groups" : "0 of " + formatCount(data.total) + " groups match";
    }
    $("range").textContent = range;
    $("prev").disabled = data.offset === 0;
    $("next").disabled = last >= data.matched;
    $("store-summary").textContent = formatCount(data.total) + (data.total === 1 ? " group" : " groups");
    // as the Pushgateway's UI: deleting every group is offered only with --web.enable-admin-api
    $("wipe").hidden = !data.wipe_enabled || data.total === 0;
    $("wipe").textContent = "Delete all " + formatCount(data.total) + (data.total === 1 ? " group" : " groups");
  }

  function timeCell(seconds, failed) {
    var td = el("td", "time");
    if (!seconds) {
      td.appendChild(el("span", "never", "never"));
      return td;
    }
    if (failed) {
      td.classList.add("failed");
    }
    td.appendChild(document.createTextNode(formatTime(seconds)));
    td.appendChild(el("span", "ago", formatAgo(seconds)));
    return td;
  }

  function groupRow(group) {
    var tr = el("tr", "group");
    tr.dataset.path = group.path;
    if (!group.last_push_successful) {
      tr.classList.add("failed");
    }
    if (state.open.has(group.path)) {
      tr.classList.add("open");
    }
    var toggleCell = el("td");
    var toggle = el("button", "toggle", state.open.has(group.path) ? "\u25BC" : "\u25B6");
    toggle.type = "button";
    toggle.title = "Show the metrics of this group";
    toggle.setAttribute("aria-expanded", String(state.open.has(group.path)));
    toggle.addEventListener("click", function () {
      toggleGroup(group, tr);
    });
    toggleCell.appendChild(toggle);
    tr.appendChild(toggleCell);

    var keyCell = el("td", "key");
    var labels = labelList(group.labels);
    if (!group.last_push_successful) {
      labels.appendChild(el("span", "badge", "Last push failed"));
    }
    keyCell.appendChild(labels);
    tr.appendChild(keyCell);

    tr.appendChild(timeCell(group.push_time_seconds, false));
    tr.appendChild(timeCell(group.push_failure_time_seconds, !group.last_push_successful));
    var families = el("td", "num", formatCount(group.family_count));
    families.title = group.families.map(function (f) { return f.name; }).join("\n") +
      (group.family_count > group.families.length ? "\n\u2026" : "");
    tr.appendChild(families);
    tr.appendChild(el("td", "num", formatCount(group.series_count)));

    var actionCell = el("td");
    var remove = el("button", "danger delete", "Delete");
    remove.type = "button";
    remove.title = "Delete this group";
    remove.addEventListener("click", function () {
      confirmDelete(group);
    });
    actionCell.appendChild(remove);
    tr.appendChild(actionCell);
    return tr;
  }

  function toggleGroup(group, tr) {
    if (state.open.has(group.path)) {
      state.open.delete(group.path);
      tr.classList.remove("open");
      var next = tr.nextElementSibling;
      if (next && next.classList.contains("detail")) {
        next.remove();
      }
    } else {
      state.open.add(group.path);
      tr.classList.add("open");
      tr.after(detailRow(group));
    }
    var toggle = tr.querySelector(".toggle");
    toggle.textContent = state.open.has(group.path) ? "\u25BC" : "\u25B6";
    toggle.setAttribute("aria-expanded", String(state.open.has(group.path)));
  }

  function detailRow(group) {
    var tr = el("tr", "detail");
    var td = el("td");
    td.colSpan = 7;
    td.appendChild(el("p", "note", "Loading\u2026"));
    tr.appendChild(td);
    getJson(GROUPS_URL + "/" + group.path + "?limit=" + SERIES_PER_FAMILY).then(function (data) {
      td.replaceChildren();
      data.families.forEach(function (family) {
        td.appendChild(familyBlock(family, data.labels));
      });
    }, function (e) {
      td.replaceChildren(el("p", "error", e.message));
    });
    return tr;
  }

  function familyBlock(family, groupLabels) {
    var block = el("div", "family");
    var head = el("div", "family-head");
    head.appendChild(el("span", "family-name", family.name));
    head.appendChild(el("span", "type", family.type.toLowerCase()));
    head.appendChild(el("span", "family-meta", formatCount(family.series_count) + " series \u00B7 pushed " +
      family.time_stamp.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC")));
    block.appendChild(head);
    if (family.help) {
      block.appendChild(el("p", "help", family.help));
    }
    var table = el("table", "series");
    var header = el("tr");
    header.appendChild(el("th", null, "Labels"));
    header.appendChild(el("th", "value", "Value"));
    var thead = el("thead");
    thead.appendChild(header);
    table.appendChild(thead);
    var tbody = el("tbody");
    // the grouping labels (and the empty instance the gateway adds) are on every series: show only the others
    var skip = new Set(Object.keys(groupLabels));
    family.metrics.forEach(function (metric) {
      var tr = el("tr");
      var labelsCell = el("td");
      var own = {};
      Object.keys(metric.labels || {}).forEach(function (name) {
        var added = name === "instance" && metric.labels[name] === "" && !("instance" in groupLabels);
        if (!added && (!skip.has(name) || metric.labels[name] !== groupLabels[name])) {
          own[name] = metric.labels[name];
        }
      });
      if (Object.keys(own).length) {
        labelsCell.appendChild(labelList(own));
      } else {
        labelsCell.appendChild(el("span", "sub", "(grouping labels only)"));
      }
      tr.appendChild(labelsCell);
      tr.appendChild(valueCell(metric, family.type));
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    block.appendChild(table);
    if (family.truncated) {
      block.appendChild(el("p", "note", "Showing the first " + formatCount(family.metrics.length) + " of " +
        formatCount(family.series_count) + " series."));
    }
    return block;
  }

  function valueCell(metric, type) {
    var td = el("td", "value");
    if (metric.value !== undefined) {
      td.textContent = metric.value;
      return td;
    }
    td.appendChild(el("div", null, "count " + metric.count + " \u00B7 sum " + metric.sum));
    if (type === "SUMMARY") {
      Object.keys(metric.quantiles || {}).forEach(function (q) {
        td.appendChild(el("div", "sub", "quantile " + q + ": " + metric.quantiles[q]));
      });
    } else if (Array.isArray(metric.buckets)) {
      // a native histogram: [boundaries, lower, upper, count]; 0 (], 1 [), 2 (), 3 []
      var open = ["(", "[", "(", "["];
      var close = ["]", ")", ")", "]"];
      metric.buckets.forEach(function (b) {
        td.appendChild(el("div", "sub", open[b[0]] + b[1] + ", " + b[2] + close[b[0]] + ": " + b[3]));
      });
    } else {
      Object.keys(metric.buckets || {}).forEach(function (le) {
        td.appendChild(el("div", "sub", "le " + le + ": " + metric.buckets[le]));
      });
    }
    return td;
  }

  // ---------------------------------------------------------------- delete

  function confirmDelete(group) {
    state.pendingDelete = group;
    $("confirm-title").textContent = "Delete group?";
    $("confirm-text").textContent = "Every metric of this group is deleted from the gateway:";
    $("confirm-labels").replaceChildren(...labelList(group.labels).childNodes);
    $("confirm-labels").hidden = false;
    $("confirm-ok").textContent = "Delete group";
    $("confirm-delete").showModal();
  }

  function confirmWipe() {
    state.pendingDelete = "all";
    $("confirm-title").textContent = "Delete all groups?";
    $("confirm-text").textContent = "Every group in the gateway is deleted, " + $("store-summary").textContent +
      " in all, not only those the filter shows.";
    $("confirm-labels").hidden = true;
    $("confirm-ok").textContent = "Delete all groups";
    $("confirm-delete").showModal();
  }

  async function deleteConfirmed() {
    var group = state.pendingDelete;
    state.pendingDelete = null;
    $("confirm-delete").close();
    if (!group) {
      return;
    }
    var wipe = group === "all";
    try {
      var response = wipe ? await fetch("api/v1/admin/wipe", { method: "PUT" })
        : await fetch("metrics/" + group.path, { method: "DELETE" });
      if (!response.ok) {
        throw new Error("The gateway refused to delete " + (wipe ? "the groups: " : "the group: ") +
          response.status + " " + response.statusText + ": " + (await response.text()).trim());
      }
      if (wipe) {
        state.open.clear();
        state.offset = 0;
      } else {
        state.open.delete(group.path);
      }
      showError("metrics-error", null);
    } catch (e) {
      showError("metrics-error", e);
      return;
    }
    // the delete is queued (202) and the writer applies it within moments: reload until it shows
    for (var attempt = 1; attempt <= 10; attempt++) {
      await new Promise(function (resolve) { setTimeout(resolve, 100 * attempt); });
      var data = await loadGroups();
      if (!data || (wipe ? data.total === 0 : !data.groups.some(function (g) { return g.path === group.path; }))) {
        return;
      }
    }
  }

  // ---------------------------------------------------------------- status

  function fillTable(table, entries) {
    table.replaceChildren();
    entries.forEach(function (entry) {
      var tr = el("tr");
      tr.appendChild(el("th", null, entry[0]));
      tr.appendChild(el("td", null, entry[1]));
      table.appendChild(tr);
    });
  }

  async function loadStatus() {
    try {
      var data = await getJson("api/v1/status");
      var start = Date.parse(data.start_time) / 1000;
      fillTable($("runtime"), [["Start time", formatTime(start) + " UTC (" + formatAgo(start) + ")"]]);
      fillTable($("build"), Object.keys(data.build_information || {}).map(function (k) {
        return [k, data.build_information[k]];
      }));
      fillTable($("flags"), Object.keys(data.flags || {}).map(function (k) {
        return [k, data.flags[k]];
      }));
      showError("status-error", null);
    } catch (e) {
      showError("status-error", e);
    }
    try {
      var groups = await getJson(GROUPS_URL + "?limit=1");
      $("store-summary").textContent = formatCount(groups.total) + (groups.total === 1 ? " group" : " groups");
    } catch (e) {
      // the summary is a courtesy; the status tables above carry the errors
    }
  }

  // ---------------------------------------------------------------- start

  function startMetrics() {
    readHash();
    var filter = $("filter");
    filter.value = state.filter;
    $("page-size").value = String(state.limit);
    var timer = null;
    filter.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        state.filter = filter.value;
        state.offset = 0;
        loadGroups();
      }, FILTER_DELAY_MS);
    });
    $("page-size").addEventListener("change", function () {
      state.limit = parseInt($("page-size").value, 10);
      state.offset = 0;
      loadGroups();
    });
    $("prev").addEventListener("click", function () {
      state.offset = Math.max(0, state.offset - state.limit);
      loadGroups();
    });
    $("next").addEventListener("click", function () {
      state.offset += state.limit;
      loadGroups();
    });
    $("refresh").addEventListener("click", loadGroups);
    $("confirm-cancel").addEventListener("click", function () {
      state.pendingDelete = null;
      $("confirm-delete").close();
    });
    $("confirm-ok").addEventListener("click", deleteConfirmed);
    $("wipe").addEventListener("click", confirmWipe);
    window.addEventListener("hashchange", function () {
      // a link or a typed URL with another filter or page
      readHash();
      filter.value = state.filter;
      $("page-size").value = String(state.limit);
      loadGroups();
    });
    loadGroups();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = /\/status$/.test(location.pathname);
    $(status ? "status-view" : "metrics-view").hidden = false;
    $(status ? "tab-status" : "tab-metrics").classList.add("active");
    document.title = status ? "Cairn \u00B7 Status" : "Cairn \u00B7 Metrics";
    if (status) {
      loadStatus();
    } else {
      startMetrics();
    }
  });
}());
