"""The dashboard's own stylesheet and script, served from ``/static/`` (nothing external).

Colours are from the Okabe-Ito colour-blind-safe palette (Okabe, M. & Ito, K. (2008),
"Color Universal Design", https://jfly.uni-koeln.de/color/). The script only adds
comfort (filters apply on change, upload progress without leaving the page); every
page works without it. It builds the page with ``textContent`` only, never HTML
strings, so file and activity names stay text.
"""

from __future__ import annotations

import hashlib

__all__ = ["CSS", "JS", "asset"]

CSS = """
nav.rf-nav{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;align-items:baseline;padding:.6rem 1.25rem;
 margin:0;background:#1f2a36;color:#fff;border:0;font:15px/1.4 system-ui,sans-serif}
nav.rf-nav a{color:#fff;margin:0;text-decoration:none;padding:.15rem .2rem;border-bottom:2px solid transparent}
.rf-nav a:hover{border-bottom-color:#56B4E9}
.rf-nav a[aria-current=page]{border-bottom-color:#E69F00;font-weight:600}
.rf-nav .brand{font-weight:700;margin-right:.75rem}
.rf-nav .who{margin-left:auto;color:#cfd8e3;font-size:13px}
.rf-main{font:14px/1.45 system-ui,sans-serif;color:#1b1b1b}
.rf-main h1{font-size:1.4rem;margin:.2rem 0 .6rem}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.5rem 0 .75rem;
 padding:.6rem .8rem;background:#f3f5f8;border-radius:6px}
form.filters label{display:flex;gap:.35rem;align-items:center}
form.filters input[type=search]{width:9rem}
form.filters input,form.filters select,form.filters button,.upload button{font:inherit;padding:.2rem .35rem}
.table-wrap{overflow-x:auto}
table.activities{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
table.activities th,table.activities td{padding:.3rem .5rem;border-bottom:1px solid #e1e5ea;
 text-align:left;white-space:nowrap}
table.activities td[data-col=name]{white-space:normal;min-width:10rem}
table.activities td[data-col=device]{max-width:14rem;overflow:hidden;text-overflow:ellipsis}
table.activities th{position:sticky;top:0;background:#fff;border-bottom:2px solid #8896a6}
table.activities th a{color:inherit;text-decoration:none}
table.activities th[aria-sort] a{color:#0072B2}
table.activities .num{text-align:right}
table.activities tbody tr:hover{background:#f0f6fb}
table.activities a{color:#0072B2}
.summary{margin:.3rem 0}
.note{color:#555;background:#fff8e6;border-left:4px solid #E69F00;padding:.35rem .6rem}
.error,.rf-error{color:#7a1f00;background:#fdecea;border-left:4px solid #D55E00;padding:.45rem .7rem}
.ok{background:#e9f6f1;border-left:4px solid #009E73;padding:.45rem .7rem}
.upload{padding:.8rem 1rem;background:#f3f5f8;border-radius:6px;max-width:46rem}
.upload input[type=file]{margin:.4rem 0}
.upload progress{width:100%;height:1rem;margin-top:.6rem}
#upload-status{min-height:1.4em;margin:.5rem 0}
.result ul{margin:.3rem 0 .3rem 1.2rem;padding:0}
"""

JS = """(function () {
  "use strict";
  var filters = document.querySelector("form.filters");
  if (filters) {
    Array.prototype.forEach.call(filters.querySelectorAll("select"), function (s) {
      s.addEventListener("change", function () { filters.submit(); });
    });
  }
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var result = document.getElementById("upload-result");
  var button = form.querySelector("button[type=submit]");
  var limit = Number(form.getAttribute("data-max-bytes") || 0);

  function say(text, cls) { status.textContent = text; status.className = cls || ""; }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    return e;
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }
  function finish() { button.disabled = false; }

  function render(s) {
    while (result.firstChild) { result.removeChild(result.firstChild); }
    if (s.error) { say(s.error, "error"); finish(); return; }
    if (!s.finished) {
      bar.max = Math.max(s.total, 1);
      bar.value = s.done;
      say("Importing " + s.done + " of " + Math.max(s.total, s.done) + (s.current ? ": " + s.current : ""));
      return;
    }
    bar.value = bar.max;
    var bad = s.failed.length > 0 && s.imported === 0 && s.duplicates === 0;
    say("Imported " + plural(s.imported, "file", "files") + " (" +
        plural(s.activity_ids.length, "activity", "activities") + "), " +
        s.duplicates + " already in the store, " + s.skipped + " skipped (not activity files), " +
        s.failed.length + " failed.", bad ? "error" : "ok");
    if (s.failed.length) {
      result.appendChild(el("h3", "Could not import"));
      var ul = el("ul", null, {"class": "failed"});
      s.failed.forEach(function (f) { ul.appendChild(el("li", f.path + ": " + f.error)); });
      result.appendChild(ul);
    }
    if (s.partial.length) {
      var up = el("ul", null, {"class": "partial"});
      s.partial.forEach(function (p) { up.appendChild(el("li", p.path + ": " + p.warning)); });
      result.appendChild(el("h3", "Imported with warnings"));
      result.appendChild(up);
    }
    if (s.activity_ids.length) {
      var ua = el("ul", null, {"class": "new"});
      s.activity_ids.forEach(function (id) {
        var li = el("li");
        li.appendChild(el("a", "Activity " + id, {"href": "/activity/" + encodeURIComponent(id)}));
        ua.appendChild(li);
      });
      result.appendChild(el("h3", "New activities"));
      result.appendChild(ua);
    }
    var p = el("p");
    p.appendChild(el("a", "Back to the activity list", {"href": "/", "id": "to-list"}));
    result.appendChild(p);
    finish();
  }

  function poll(job) {
    fetch("/api/import/" + encodeURIComponent(job), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) { render(s); if (!s.finished) { setTimeout(function () { poll(job); }, 400); } })
      .catch(function () { say("Lost contact with the server while importing.", "error"); finish(); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = form.querySelector("input[type=file]");
    if (!input.files.length) { say("Choose a file first.", "error"); return; }
    var total = 0;
    for (var i = 0; i < input.files.length; i++) { total += input.files[i].size; }
    if (limit && total > limit) {
      say("That is " + (total / 1048576).toFixed(1) + " MB, over the " + (limit / 1048576).toFixed(0) +
          " MB upload limit: import it with `runform import FILE` instead.", "error");
      return;
    }
    while (result.firstChild) { result.removeChild(result.firstChild); }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/import");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      bar.max = e.total;
      bar.value = e.loaded;
      say("Uploading… " + Math.round(100 * e.loaded / e.total) + " %");
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      if (xhr.status !== 202) {
        say(body.error || ("Upload failed (HTTP " + xhr.status + ")."), "error");
        finish();
        return;
      }
      say("Uploaded; importing…");
      poll(body.job);
    };
    xhr.onerror = function () { say("Upload failed: the server could not be reached.", "error"); finish(); };
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
"""

_ASSETS = {
    "web.css": ("text/css; charset=utf-8", CSS.encode()),
    "web.js": ("text/javascript; charset=utf-8", JS.encode()),
}


def asset(name: str) -> tuple[str, bytes, str] | None:
    """(content type, bytes, ETag) of a static file, or None."""
    item = _ASSETS.get(name)
    if item is None:
        return None
    ctype, data = item
    return ctype, data, '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
