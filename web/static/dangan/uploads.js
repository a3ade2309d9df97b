/* Uploads on the customer page: drop or choose several files; each is sent on its own request
   (XHR, for its upload-progress events) with the document fields chosen above, one after the
   other, and shows a progress bar. The server streams it to object storage and answers the
   document's row, which htmx then polls until processing settles. File names are only ever
   set as text (textContent), never parsed as HTML. */
(function () {
  "use strict";

  var queue = [];
  var busy = false;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function text(form, name) {
    return form.getAttribute("data-text-" + name) || "";
  }

  function queueList(form) {
    return form.parentNode.querySelector("[data-upload-queue]");
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
    bar.setAttribute("aria-label", text(form, "progress") + " " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = text(form, "waiting");
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    queueList(form).appendChild(item);
    return {form: form, file: file, item: item, bar: bar, status: status};
  }

  function enqueue(form, files) {
    if (!files || !files.length) return;
    if (!form.reportValidity()) return; // a document type first: the browser says so
    for (var i = 0; i < files.length; i++) queue.push(addItem(form, files[i]));
    next();
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    send(queue.shift());
  }

  function showRow(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim(); // server-rendered and escaped by Django's templates
    var row = holder.content.firstElementChild;
    var list = document.getElementById("document-list");
    if (!row || !list) return;
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    list.insertBefore(row, list.firstChild);
    if (window.htmx) window.htmx.process(row);
    // Processed before this answer was written (a fast worker): no poll will announce it, so
    // the checklist is told here.
    if (!row.hasAttribute("hx-get")) document.body.dispatchEvent(new CustomEvent("documents-changed"));
  }

  function showRefusal(job, html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var message = holder.content.textContent.trim();
    job.status.textContent = message || text(job.form, "failed");
    job.item.classList.add("failed");
  }

  function send(job) {
    var data = new FormData();
    // The document's fields first, the file last (the server reads them before the file).
    new FormData(job.form).forEach(function (value, key) {
      if (key !== "file") data.append(key, value);
    });
    data.append("file", job.file, job.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", job.form.action);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("HX-Request", "true"); // answer with a fragment, not a redirect
    job.status.textContent = text(job.form, "uploading");
    job.item.classList.add("uploading");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) job.bar.value = Math.round(event.loaded * 100 / event.total);
    });
    xhr.addEventListener("load", function () {
      job.item.classList.remove("uploading");
      if (xhr.status >= 200 && xhr.status < 300) {
        job.bar.value = 100;
        job.status.textContent = text(job.form, "done");
        job.item.classList.add("done");
        showRow(xhr.responseText);
      } else {
        showRefusal(job, xhr.responseText);
      }
      finish();
    });
    xhr.addEventListener("error", function () {
      job.item.classList.remove("uploading");
      job.item.classList.add("failed");
      job.status.textContent = text(job.form, "failed");
      finish();
    });
    xhr.send(data);
  }

  function finish() {
    busy = false;
    next();
  }

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

  function ready() {
    document.querySelectorAll("[data-upload-submit]").forEach(function (button) {
      button.hidden = true;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
