// optlab-reveal.js: a reveal.js (4–6) plugin for optlab chapters embedded in slides (README, "Embedding in
// slides"). Load it after reveal.js and list it in the plugins:
//
//   <script src="reveal.js"></script> <script src="https://…/optlab-reveal.js"></script>
//   <script>Reveal.initialize({ plugins: [OptlabReveal] });</script>
//
// An optlab frame is an <iframe data-optlab> in a slide (or a slide's data-background-iframe when the slide
// has data-optlab-background). Values come from data-optlab='{"momentum": 0.9}' (JSON) on the slide, on the
// frame, and on fragments; the state of a frame is its link's, then the slide's values, the frame's, and those
// of every fragment shown so far in fragment order (data-optlab-for="ID" limits a fragment to the frame of that
// id). The plugin sends that whole state ({type: "optlab:set", reset: true, values, scale}) when the slide
// changes, a fragment is shown or hidden, the deck is resized, and whenever a frame says optlab:ready (so going
// back, jumping and reveal's unloading and reloading of frames all land on the same state). It replays the
// keys a frame forwards (optlab:key) to reveal, and in print view (?print-pdf) replaces each frame by a
// picture of its state on that page, drawn by the chapter itself.
//
// Messages are only ever taken as data: they are accepted from the deck's optlab frames only, keys only from a
// fixed list, pictures only as PNG data: URLs, and text only through textContent/alt.
(function (root) {
  "use strict";

  const KEYS = { " ": 32, PageUp: 33, PageDown: 34, Escape: 27, ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39, ArrowDown: 40 };
  const PRINT_SCALE = 2; // device pixels per CSS pixel of the printed pictures
  const WAIT_MS = 30000; // a frame that does not answer within this is printed as a note

  const plain = (v) => !!v && typeof v === "object" && !Array.isArray(v);

  /** The values of an element's data-optlab (JSON object); a broken one is reported once and ignored. */
  function valuesOf(el) {
    const raw = el.getAttribute("data-optlab");
    if (!raw || !raw.trim()) return {};
    try {
      const v = JSON.parse(raw);
      if (plain(v)) return v;
    } catch (e) { /* below */ }
    if (!el.__optlabWarned) {
      el.__optlabWarned = true;
      console.warn("optlab-reveal: data-optlab must be a JSON object such as {\"momentum\": 0.9}; ignored:", raw.slice(0, 200));
    }
    return {};
  }

  /** The values a frame shows on its slide now: the slide's, the frame's, then every shown fragment's. */
  function stateFor(section, frame) {
    const values = Object.assign({}, valuesOf(section), frame.hasAttribute("data-optlab") ? valuesOf(frame) : {});
    const frags = [...section.querySelectorAll(".fragment[data-optlab]")]
      .filter((f) => f.closest("section") === section && f.classList.contains("visible"))
      .map((f, i) => ({ f, i, k: Number(f.getAttribute("data-fragment-index")) || 0 }))
      .sort((a, b) => a.k - b.k || a.i - b.i);
    for (const { f } of frags) {
      const only = f.getAttribute("data-optlab-for");
      if (only && only !== frame.id) continue;
      Object.assign(values, valuesOf(f));
    }
    return values;
  }

  function frameUrl(frame) {
    const src = frame.getAttribute("src") || frame.getAttribute("data-src") || frame.getAttribute("data-optlab-src") || "";
    try { return src && !src.startsWith("about:") ? new URL(src, document.baseURI) : null; } catch (e) { return null; }
  }

  function OptlabReveal() {
    let deck = null;
    const ready = new WeakMap(); // frame element → its page has said optlab:ready since its src last changed

    /** The optlab frames of a slide: <iframe data-optlab> inside it, and its background iframe if marked. */
    function framesOf(section) {
      const out = [...section.querySelectorAll("iframe[data-optlab]")].filter((f) => f.closest("section") === section);
      if (section.hasAttribute("data-optlab-background") && deck.getSlideBackground) {
        const bg = deck.getSlideBackground(section);
        const f = bg && bg.querySelector("iframe");
        if (f) out.push(f);
      }
      return out;
    }

    function allFrames() {
      const out = [];
      for (const s of deck.getSlides()) for (const f of framesOf(s)) out.push([s, f]);
      return out;
    }

    /** reveal scales slides with a CSS transform; their frames draw at that scale (backgrounds are not scaled). */
    function scaleFor(section, frame) {
      if (!section.contains(frame)) return 1;
      const s = deck.getScale ? deck.getScale() : 1;
      return Math.round(Math.min(4, Math.max(1, Number.isFinite(s) ? s : 1)) * 100) / 100;
    }

    function send(section, frame) {
      const url = frameUrl(frame);
      if (!url || !ready.get(frame) || !frame.contentWindow) return;
      frame.contentWindow.postMessage({ type: "optlab:set", reset: true, values: stateFor(section, frame), scale: scaleFor(section, frame) }, url.origin);
    }

    function sendSlide(section) {
      if (!section || (deck.isPrintView && deck.isPrintView())) return;
      for (const f of framesOf(section)) send(section, f);
    }

    function onMessage(e) {
      const d = e.data;
      if (!plain(d) || typeof d.type !== "string" || !d.type.startsWith("optlab:")) return;
      const hit = allFrames().find(([, f]) => f.contentWindow === e.source);
      if (!hit) return;
      const [section, frame] = hit;
      const url = frameUrl(frame);
      if (!url || e.origin !== url.origin) return;
      if (d.type === "optlab:ready") {
        ready.set(frame, true);
        send(section, frame);
      } else if (d.type === "optlab:key" && typeof d.key === "string" && Object.hasOwn(KEYS, d.key)) {
        // focus back to the deck, then the key as if it had been pressed here
        const toDeck = () => {
          if (document.activeElement !== frame) return;
          frame.blur();
          if (document.activeElement === frame) {
            // Chromium can keep focus in a frame it was asked to blur: give it to the deck's element instead
            const root = deck.getRevealElement();
            if (!root.hasAttribute("tabindex")) root.setAttribute("tabindex", "-1");
            root.focus({ preventScroll: true });
          }
          window.focus();
        };
        toDeck();
        // again once the key's own events in the frame are over (they can take focus back)
        setTimeout(toDeck, 50);
        if (d.key === " " && d.shiftKey === true) deck.prev();
        else deck.triggerKey(KEYS[d.key]);
      }
    }

    // ---- print view: every frame becomes a picture of its state on its page ----

    function waitFor(win, type, ms) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { removeEventListener("message", h); reject(new Error(`no ${type} within ${ms / 1000} s`)); }, ms);
        function h(e) {
          if (e.source !== win || !plain(e.data) || e.data.type !== type) return;
          clearTimeout(t);
          removeEventListener("message", h);
          resolve(e.data);
        }
        addEventListener("message", h);
      });
    }

    // One loader frame per link and size, kept on screen (an off-screen cross-origin frame is not drawn) but
    // invisible, reused for every state of that frame.
    const loaders = new Map();
    async function loaderFor(url, w, h) {
      const key = `${url.href} ${w}x${h}`;
      if (loaders.has(key)) return loaders.get(key);
      const f = document.createElement("iframe");
      f.setAttribute("aria-hidden", "true");
      f.tabIndex = -1;
      Object.assign(f.style, { position: "fixed", left: "0", top: "0", width: `${w}px`, height: `${h}px`, border: "0", opacity: "0", pointerEvents: "none", zIndex: "-1" });
      const p = new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no optlab:ready within ${WAIT_MS / 1000} s`)), WAIT_MS);
        addEventListener("message", function h(e) {
          if (e.source === f.contentWindow && plain(e.data) && e.data.type === "optlab:ready") {
            clearTimeout(t);
            removeEventListener("message", h);
            resolve(f);
          }
        });
      });
      f.src = url.href;
      document.body.append(f);
      loaders.set(key, p);
      return p;
    }

    async function picture(url, w, h, values) {
      const f = await loaderFor(url, w, h);
      const win = f.contentWindow;
      const applied = waitFor(win, "optlab:applied", WAIT_MS);
      const rendered = waitFor(win, "optlab:rendered", WAIT_MS);
      win.postMessage({ type: "optlab:set", reset: true, values, scale: PRINT_SCALE }, url.origin);
      await applied;
      await rendered;
      const snap = waitFor(win, "optlab:snapshot", WAIT_MS);
      win.postMessage({ type: "optlab:snapshot" }, url.origin);
      return snap;
    }

    async function printFrames() {
      const html = document.documentElement;
      html.dataset.optlabPrint = "working";
      let done = 0, failed = 0;
      for (const page of document.querySelectorAll(".pdf-page")) {
        const section = page.querySelector("section");
        if (!section) continue;
        const frames = [...section.querySelectorAll("iframe[data-optlab]")].filter((f) => f.closest("section") === section);
        // a background frame: drawn at the page's size into the page's background
        const bgUrl = section.getAttribute("data-background-iframe");
        const bgBox = section.hasAttribute("data-optlab-background") && bgUrl && page.querySelector(".slide-background");
        if (bgBox) {
          const holder = document.createElement("iframe"); // an empty stand-in for the frame, replaced below
          holder.setAttribute("data-optlab-src", bgUrl);
          holder.id = "background";
          holder.style.cssText = "position: absolute; left: 0; top: 0; width: 100%; height: 100%";
          for (const old of bgBox.querySelectorAll("iframe")) old.remove();
          bgBox.append(holder);
          frames.push(holder);
        }
        for (const frame of frames) {
          const url = frameUrl(frame);
          if (!url) continue;
          const w = Math.round(frame.offsetWidth || Number(frame.getAttribute("width")) || 960);
          const h = Math.round(frame.offsetHeight || Number(frame.getAttribute("height")) || 540);
          const values = stateFor(section, frame);
          let node;
          try {
            const s = await picture(url, w, h, values);
            if (typeof s.png !== "string" || !s.png.startsWith("data:image/png;base64,")) throw new Error("the answer holds no PNG");
            node = document.createElement("img");
            node.src = s.png;
            node.alt = typeof s.alt === "string" ? s.alt.slice(0, 2000) : "";
            node.dataset.optlabState = JSON.stringify(plain(s.state) ? s.state : {});
            done += 1;
          } catch (err) {
            node = document.createElement("div");
            node.textContent = `optlab could not draw this frame: ${err && err.message ? err.message : err}`;
            failed += 1;
          }
          if (frame.className) node.className = frame.className;
          if (frame.id) node.id = frame.id;
          node.classList.add("optlab-print");
          node.dataset.optlabValues = JSON.stringify(values);
          node.style.cssText = frame.style.cssText;
          Object.assign(node.style, { width: `${w}px`, height: `${h}px`, objectFit: "contain" });
          if (frame.id === "background") { node.removeAttribute("id"); node.classList.add("optlab-background"); }
          frame.replaceWith(node);
        }
      }
      for (const p of loaders.values()) p.then((f) => f.remove(), () => {});
      loaders.clear();
      html.dataset.optlabPrinted = String(done);
      html.dataset.optlabPrintFailed = String(failed);
      html.dataset.optlabPrint = "done";
    }

    return {
      id: "optlab",
      init(reveal) {
        deck = reveal;
        addEventListener("message", onMessage);
        // a frame whose src changes (reveal loads or unloads a data-src frame) is not ready until it says so
        new MutationObserver((records) => {
          for (const r of records) if (r.target.tagName === "IFRAME") ready.delete(r.target);
        }).observe(deck.getRevealElement(), { subtree: true, attributes: true, attributeFilter: ["src"] });
        const current = () => sendSlide(deck.getCurrentSlide());
        deck.on("ready", current);
        deck.on("slidechanged", (e) => sendSlide(e.currentSlide));
        deck.on("fragmentshown", (e) => sendSlide(e.fragment && e.fragment.closest("section")));
        deck.on("fragmenthidden", (e) => sendSlide(e.fragment && e.fragment.closest("section")));
        deck.on("resize", current);
        deck.on("pdf-ready", () => { printFrames(); });
      },
    };
  }

  OptlabReveal.stateFor = stateFor;
  root.OptlabReveal = OptlabReveal;
})(typeof window !== "undefined" ? window : globalThis);
