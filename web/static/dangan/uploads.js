/* Uploads on the customer page: drop or choose several files (new documents), or one file on a
   document's row (its next version). Files go one after the other, each with a progress bar.

   Direct (the form carries data-upload-start): the file is hashed here (SHA-256, WebCrypto), the
   server hands out a presigned PUT, the bytes go straight to object storage (XHR, for its
   upload-progress events), then the server is told "complete" and answers the document's row.
   Proxied (no data-upload-start, a file above data-direct-max, no WebCrypto, or storage that
   refused the cross-origin PUT): the file is posted to this host, which streams it to storage
   and answers the row. Either way htmx then polls the row until processing settles.
   File names are only ever set as text (textContent), never parsed as HTML. */
(function () {
  "use strict";

  var queue = [];
  var busy = false;
  // Storage refused a cross-origin PUT once (no CORS): the rest of this page's files go proxied.
  var directBroken = false;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function text(name) {
    var source = document.querySelector("[data-upload-texts]");
    return source ? source.getAttribute("data-text-" + name) || "" : "";
  }

  function queueList() {
    return document.querySelector("[data-upload-queue]");
  }

  function addItem(form, file) {
    var item = document.createElement("li");
    item.className = "upload-item";
    var name = document.createElement("span");
    name.className = "filename";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", text("progress") + " " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = text("waiting");
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    var list = queueList();
    if (list) list.appendChild(item);
    // The document's fields as chosen now: a later change of the form must not alter queued files.
    var fields = [];
    new FormData(form).forEach(function (value, key) {
      if (key !== "file") fields.push([key, value]);
    });
    return {form: form, file: file, fields: fields, item: item, bar: bar, status: status};
  }

  function enqueue(form, files) {
    if (!form || !files || !files.length) return;
    if (!form.reportValidity()) return; // a document type first: the browser says so
    for (var i = 0; i < files.length; i++) queue.push(addItem(form, files[i]));
    // A title names the files just queued (their fields are taken): the next file chosen is
    // another document and must not silently take this title.
    var title = form.querySelector('input[name="title"]');
    if (title) title.value = "";
    next();
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    var job = queue.shift();
    if (canGoDirect(job)) sendDirect(job);
    else sendProxied(job);
  }

  function finish() {
    busy = false;
    next();
  }

  function canGoDirect(job) {
    var limit = parseInt(job.form.getAttribute("data-direct-max") || "0", 10);
    return !directBroken && job.form.hasAttribute("data-upload-start") && job.file.size > 0 &&
      job.file.size <= limit && window.crypto && window.crypto.subtle && job.file.arrayBuffer;
  }

  // --- answers ---------------------------------------------------------------------------------

  function showRow(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim(); // server-rendered and escaped by Django's templates
    var row = holder.content.firstElementChild;
    var list = document.getElementById("document-list");
    if (!row || !list) return null;
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    var existing = row.id ? document.getElementById(row.id) : null;
    if (existing) existing.remove(); // a new version: the document's row moves to the top
    list.insertBefore(row, list.firstChild);
    if (window.htmx) window.htmx.process(row);
    ready();
    // Processed before this answer was written (a fast worker): no poll will announce it, so
    // the checklist is told here.
    if (!row.hasAttribute("hx-get")) document.body.dispatchEvent(new CustomEvent("documents-changed"));
    return row;
  }

  // A queued file's line follows its document's row: while the row polls it says "uploaded,
  // being checked"; once the row settles it says what the row says (available, or why it was
  // rejected), so the list under the drop zone never stays on "being checked".
  function followRow(item) {
    var row = document.getElementById(item.getAttribute("data-document-row") || "");
    if (!row || row.hasAttribute("hx-get")) return;
    var state = row.querySelector("[data-upload-state]");
    var status = item.querySelector(".upload-status");
    if (state && status) status.textContent = state.textContent.trim();
    item.removeAttribute("data-document-row");
    if (row.getAttribute("data-state") === "rejected") {
      item.classList.remove("done");
      item.classList.add("failed");
    }
  }

  function done(job, html) {
    job.item.classList.remove("uploading");
    job.bar.value = 100;
    job.status.textContent = text("done");
    job.item.classList.add("done");
    var row = showRow(html);
    if (row && row.id) {
      job.item.setAttribute("data-document-row", row.id);
      followRow(job.item);
    }
    finish();
  }

  // htmx:load fires for every element htmx puts into the page (a polled row swapped by
  // outerHTML included, whose afterSwap goes to the detached old row).
  document.addEventListener("htmx:load", function () {
    document.querySelectorAll("[data-upload-queue] [data-document-row]").forEach(followRow);
  });

  function failed(job, html) {
    var message = "";
    if (html) {
      var holder = document.createElement("template");
      holder.innerHTML = html.trim();
      message = holder.content.textContent.trim();
    }
    job.item.classList.remove("uploading");
    job.status.textContent = message || text("failed");
    job.item.classList.add("failed");
    finish();
  }

  function post(url, onload, onerror) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("HX-Request", "true"); // answer with a fragment, not a redirect
    xhr.addEventListener("load", function () { onload(xhr); });
    xhr.addEventListener("error", onerror);
    return xhr;
  }

  function progress(job) {
    return function (event) {
      if (event.lengthComputable) job.bar.value = Math.round(event.loaded * 100 / event.total);
    };
  }

  // --- proxied: the file through this host --------------------------------------------------------

  function sendProxied(job) {
    var data = new FormData();
    // The document's fields first, the file last (the server reads them before the file).
    job.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append("file", job.file, job.file.name);
    job.status.textContent = text("uploading");
    job.item.classList.add("uploading");
    var xhr = post(job.form.action, function (answer) {
      if (answer.status >= 200 && answer.status < 300) done(job, answer.responseText);
      else failed(job, answer.responseText);
    }, function () { failed(job, ""); });
    xhr.upload.addEventListener("progress", progress(job));
    xhr.send(data);
  }

  // --- direct: hash, ask for a presigned PUT, send it to storage, complete -----------------------

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    }).join("");
  }

  function sendDirect(job) {
    job.status.textContent = text("hashing");
    job.item.classList.add("uploading");
    job.file.arrayBuffer()
      .then(function (bytes) { return window.crypto.subtle.digest("SHA-256", bytes); })
      .then(function (digest) { start(job, hex(digest)); },
            function () { sendProxied(job); }); // unreadable here: let the server stream it
  }

  function start(job, sha256) {
    var data = new FormData();
    job.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append("filename", job.file.name);
    data.append("size", String(job.file.size));
    data.append("sha256", sha256);
    post(job.form.getAttribute("data-upload-start"), function (answer) {
      if (answer.status !== 201) { failed(job, answer.responseText); return; }
      var target = JSON.parse(answer.responseText);
      if (target.method !== "PUT") { sendProxied(job); return; } // multipart: not from this page
      putToStorage(job, target);
    }, function () { failed(job, ""); }).send(data);
  }

  function putToStorage(job, target) {
    job.status.textContent = text("uploading");
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", target.url);
    Object.keys(target.headers || {}).forEach(function (name) {
      xhr.setRequestHeader(name, target.headers[name]);
    });
    xhr.upload.addEventListener("progress", progress(job));
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) complete(job, target);
      else failed(job, "");
    });
    // Status 0: the storage host refused the cross-origin request (no CORS) or is unreachable
    // from here. The pending version (and the document it would have started) is abandoned
    // rather than left to the reconciler's expiry; this file and the following go through
    // this host, whatever the abandon's answer.
    xhr.addEventListener("error", function () {
      directBroken = true;
      job.bar.value = 0;
      abandon(target, function () { sendProxied(job); });
    });
    xhr.send(job.file);
  }

  function abandon(target, then) {
    if (!target.abandon_url) { then(); return; }
    post(target.abandon_url, then, then).send();
  }

  function complete(job, target) {
    job.bar.value = 100;
    job.status.textContent = text("completing");
    var xhr = post(target.complete_url, function (answer) {
      if (answer.status >= 200 && answer.status < 300) done(job, answer.responseText);
      else failed(job, answer.responseText);
    }, function () { failed(job, ""); });
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.send(JSON.stringify({}));
  }

  // --- choosing and dropping files ----------------------------------------------------------------

  function formOf(element) {
    return element && element.closest ? element.closest("[data-upload-form]") : null;
  }

  // Choosing files starts their upload; the submit button is for pages without this script.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !formOf(input)) return;
    enqueue(formOf(input), Array.prototype.slice.call(input.files));
    input.value = "";
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload-form")) return;
    event.preventDefault();
    var input = form.querySelector('input[type="file"]');
    enqueue(form, Array.prototype.slice.call(input.files));
    input.value = "";
  });

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.remove("dragging");
      if (name === "drop" && event.dataTransfer) {
        enqueue(formOf(zone), Array.prototype.slice.call(event.dataTransfer.files));
      }
    });
  });

  // --- previews: the enlarged first page in one dialog ----------------------------------------

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-preview-open]");
    var dialog = document.getElementById("document-preview");
    if (!opener || !dialog || !dialog.showModal) return;
    var image = dialog.querySelector("[data-preview-image]");
    var title = opener.getAttribute("data-preview-title") || "";
    image.src = opener.getAttribute("data-preview-src");
    image.alt = title;
    dialog.querySelector("[data-preview-title]").textContent = title;
    dialog.showModal();
  });

  function ready() {
    document.querySelectorAll("[data-upload-submit]").forEach(function (button) {
      button.hidden = true;
    });
  }
  // Rows swapped in later (htmx polls, new uploads) carry their own submit buttons.
  document.addEventListener("htmx:afterSwap", ready);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
