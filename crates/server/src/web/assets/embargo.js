// Embargo's only script: small improvements to forms that work without it.
// Loaded from our origin with `defer`; no inline script anywhere (strict CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Show a checkbox's follow-up fields only when it is ticked.
  for (const block of document.querySelectorAll(".reveal[data-when]")) {
    const box = document.getElementById(block.dataset.when);
    if (!box) continue;
    const sync = () => { block.hidden = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  }

  // The queue's "Times in" field: offer the browser's own time zone while the reader
  // has not chosen one (the server marks the field); they still press "Show".
  for (const field of document.querySelectorAll("input[data-browser-tz]")) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) field.value = zone;
  }

  // Case lists: j/k move between rows, Enter opens the row's case, / goes to the search
  // box. Keys typed into a field are left alone; the links and the form work without it.
  const rows = [...document.querySelectorAll("table.cases tbody tr")];
  const search = document.querySelector("[data-search-box]");
  let current = -1;
  const select = (i) => {
    if (rows.length === 0) return;
    if (current >= 0) rows[current].classList.remove("current");
    current = Math.max(0, Math.min(rows.length - 1, i));
    const row = rows[current];
    row.classList.add("current");
    const link = row.querySelector("a.row-link") || row.querySelector("a");
    if (link) link.focus();
    row.scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "j" && rows.length > 0) {
      event.preventDefault();
      select(current + 1);
    } else if (event.key === "k" && rows.length > 0) {
      event.preventDefault();
      select(current < 0 ? 0 : current - 1);
    }
  });

  // Ask before irreversible actions.
  for (const button of document.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }

  // Copy buttons for links and tokens shown once.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    });
  }

  // Refuse files over the limit before uploading them, not after.
  for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
    input.addEventListener("change", () => {
      const max = Number(input.dataset.maxBytes);
      const maxFiles = Number(input.dataset.maxFiles);
      const big = [...input.files].filter((f) => f.size > max).map((f) => f.name);
      let message = "";
      if (big.length) message = `Too large (limit ${Math.floor(max / 1024)} KiB): ${big.join(", ")}`;
      else if (maxFiles && input.files.length > maxFiles) message = `Attach at most ${maxFiles} files at once.`;
      input.setCustomValidity(message);
      input.reportValidity();
    });
  }
  // The CVSS calculator scores as metrics are chosen; without this script the same
  // form is scored by the server on "Score". Text goes in with textContent only.
  const calc = document.getElementById("cvss-calculator");
  if (calc) {
    const out = document.getElementById("calc-result");
    const version = calc.dataset.version;
    const selects = [...calc.querySelectorAll("select[data-metric]")];
    const paste = document.getElementById("calc-paste");
    const el = (tag, text, id) => {
      const node = document.createElement(tag);
      node.textContent = text;
      if (id) node.id = id;
      return node;
    };
    const fill = (vector) => {
      for (const input of document.querySelectorAll("input[data-calc-fill]")) {
        const want = input.dataset.calcFill;
        if (want === "any" || vector.startsWith(`CVSS:${want}/`)) input.value = vector;
      }
    };
    const score = async (vector) => {
      const res = await fetch(`/api/v1/cvss/score?vector=${encodeURIComponent(vector)}`);
      const body = await res.json();
      if (!res.ok) {
        out.replaceChildren(el("p", body.error.message, "calc-error"));
        return null;
      }
      const line = el("p", "");
      line.append(el("strong", body.score.toFixed(1), "calc-score"), " ", el("span", body.severity, "calc-severity"));
      out.replaceChildren(el("p", "").appendChild(el("code", body.vector, "calc-vector")).parentNode, line);
      fill(body.vector);
      return body;
    };
    const fromSelects = () => {
      if (selects.some((s) => s.value === "")) {
        out.replaceChildren(el("p", "Choose every metric marked *, or paste a vector."));
        return;
      }
      const parts = selects.filter((s) => s.value !== "X").map((s) => `${s.dataset.metric}:${s.value}`);
      score(`CVSS:${version}/${parts.join("/")}`);
    };
    for (const s of selects) s.addEventListener("change", fromSelects);
    paste.addEventListener("change", async () => {
      const body = await score(paste.value.trim());
      if (!body || body.version !== version) return;
      for (const s of selects) {
        const m = body.metrics.find((x) => x.metric === s.dataset.metric);
        s.value = m ? m.value : (s.options[0].value === "" ? "" : "X");
      }
    });
  }

  // Switching the calculator's version (a link) or scoring on the server reloads the
  // page: what was typed into the scoring forms comes back, in this tab only, once.
  // Passkeys: the browser's WebAuthn ceremony, with options and a sealed state the
  // server hands out; the answer goes back in an ordinary form field.
  const passkeys = window.PublicKeyCredential
    && PublicKeyCredential.parseCreationOptionsFromJSON
    && PublicKeyCredential.parseRequestOptionsFromJSON;
  const ceremony = async (kind, challengeUrl) => {
    const res = await fetch(challengeUrl, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    const { options, state } = await res.json();
    const credential = kind === "create"
      ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
      : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    return JSON.stringify({ credential: credential.toJSON(), state });
  };
  const said = (near, words) => {
    let out = near.querySelector(".passkey-said");
    if (!out) {
      out = document.createElement("p");
      out.className = "field-error passkey-said";
      out.setAttribute("role", "alert");
      near.append(out);
    }
    out.textContent = words;
  };
  for (const form of document.querySelectorAll("form[data-passkey]")) {
    if (!passkeys) continue;
    form.hidden = false;
    for (const hint of form.querySelectorAll(".no-script")) hint.hidden = true;
    form.addEventListener("submit", async (event) => {
      if (form.elements.passkey.value) return;
      event.preventDefault();
      if (!form.reportValidity()) return;
      try {
        form.elements.passkey.value = await ceremony(form.dataset.passkey, form.dataset.challenge);
        form.submit();
      } catch (e) {
        said(form, `The passkey did not answer (${e.message}). Try again, or use another way.`);
      }
    });
  }
  for (const button of document.querySelectorAll("button[data-passkey-for]")) {
    if (!passkeys) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.passkeyFor);
      const done = button.nextElementSibling;
      try {
        field.value = await ceremony("get", button.dataset.challenge);
        if (done) done.textContent = "Passkey confirmed; now send the form.";
      } catch (e) {
        if (done) done.textContent = `The passkey did not answer (${e.message}).`;
      }
    });
  }

  const keepKey = `embargo-keep:${location.pathname}`;
  const stored = sessionStorage.getItem(keepKey);
  if (stored) {
    sessionStorage.removeItem(keepKey);
    for (const [id, value] of Object.entries(JSON.parse(stored))) {
      const field = document.getElementById(id);
      if (field && field.matches("[data-keep]")) field.value = value;
    }
  }
  const keep = () => {
    const typed = {};
    for (const f of document.querySelectorAll("[data-keep]")) {
      if (f.id && f.value !== f.defaultValue) typed[f.id] = f.value;
    }
    if (Object.keys(typed).length) sessionStorage.setItem(keepKey, JSON.stringify(typed));
  };
  for (const a of document.querySelectorAll(".calculator .versions a")) a.addEventListener("click", keep);
  if (calc) calc.addEventListener("submit", keep);
});
