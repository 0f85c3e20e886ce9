// Streamlab's loader: the one file a page references. It defines the <stream-lab> element and,
// when the first element connects, loads the rest of the bundle from its own directory:
// streamlab.js + streamlab_bg.wasm (the lab), streamlab.css (into each element's shadow root) and
// streamlab-worker.js + streamlab-worker_bg.wasm (the producer and consumer workers). So the
// files can be served from any path, e.g. /docs/assets/streamlab/.
//
//   <script src="/docs/assets/streamlab/stream-lab.js" defer></script>
//   <stream-lab topic="orders" partitions="3" mode="kafka" db="docs-orders" view="compact"></stream-lab>
//
// Attributes: topic, partitions, mode (kafka|kinesis), db, ephemeral, view (dashboard|compact),
// scenario (URL of a scenario JSON file), height. With `endpoint` (a Kinesis Data Streams URL:
// AWS, LocalStack, kinesalite; empty to type one) and `region`, the element is a console of that
// endpoint instead (streamlab-remote.js + wasm, fetched only for such elements). The scripting API, a separate bundle
// (streamlab-script.js + wasm) fetched on demand, is `await customElements.get('stream-lab').api`
// (also `window.streamlab` once loaded).
(() => {
  if (customElements.get('stream-lab')) return;
  // A classic script knows its address only while it runs for the first time.
  const self = document.currentScript?.src ?? new URL('stream-lab.js', document.baseURI).href;
  const base = new URL('.', self).href;

  let css;
  const loadCss = () => (css ??= (async () => {
    const r = await fetch(`${base}streamlab.css`);
    if (!r.ok) throw new Error(`streamlab.css: HTTP ${r.status}`);
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(await r.text());
    return { sheet };
  })());

  let bundle;
  const load = () => (bundle ??= (async () => {
    const [api, { sheet }] = await Promise.all([import(`${base}streamlab.js`), loadCss()]);
    await api.default({ module_or_path: `${base}streamlab_bg.wasm` });
    api.set_script_base(base);
    return { api, sheet };
  })());

  // A lab on a Kinesis endpoint: a bundle of its own, fetched only for such elements.
  let remote;
  const loadRemote = () => (remote ??= (async () => {
    const [api, { sheet }] = await Promise.all([import(`${base}streamlab-remote.js`), loadCss()]);
    await api.default({ module_or_path: `${base}streamlab-remote_bg.wasm` });
    return { api, sheet };
  })());

  // The Streams panel (SQL) is a bundle of its own, fetched only by a lab whose database has
  // statements or whose user opens the panel; the lab asks for it through this function.
  let sql;
  const loadSql = () => (sql ??= (async () => {
    const api = await import(`${base}streamlab-sql.js`);
    await api.default({ module_or_path: `${base}streamlab-sql_bg.wasm` });
    api.set_script_base(base);
    return api;
  })());
  globalThis.__streamlabLoadSql = loadSql;

  // The scripting API is a bundle of its own, fetched only when a script asks for it.
  let scripting;
  const loadApi = () => (scripting ??= (async () => {
    const api = await import(`${base}streamlab-script.js`);
    await api.default({ module_or_path: `${base}streamlab-script_bg.wasm` });
    api.set_script_base(base);
    window.streamlab ??= api;
    return api;
  })());

  const ATTRIBUTES = ['topic', 'partitions', 'mode', 'db', 'ephemeral', 'view', 'scenario', 'height', 'endpoint', 'region'];
  // These change what the lab's data is (or where it lives), so the lab starts over with them.
  const RESTART = new Set(['db', 'ephemeral', 'scenario', 'endpoint', 'region']);

  class StreamLab extends HTMLElement {
    static observedAttributes = ATTRIBUTES;

    /** The scripting API (create_topic, produce_with_workers, read_partition, ...). */
    static get api() { return loadApi(); }

    #lab = null;
    #mounting = 0;

    connectedCallback() {
      this.#size();
      this.#mount();
    }

    disconnectedCallback() {
      this.#mounting += 1;
      this.#lab?.destroy();
      this.#lab = null;
    }

    attributeChangedCallback(name, before, after) {
      if (name === 'height') this.#size();
      if (before === after || !this.isConnected) return;
      if (RESTART.has(name)) {
        // Also while the bundle still loads: the newest mount wins.
        this.#lab?.destroy();
        this.#lab = null;
        this.#mount();
      } else {
        this.#lab?.update(this.#attributes());
      }
    }

    #attributes() {
      return Object.fromEntries(ATTRIBUTES.map((a) => [a, this.getAttribute(a)]));
    }

    #size() {
      const h = this.getAttribute('height');
      this.style.height = h == null ? '' : /^\d+$/.test(h) ? `${h}px` : h;
    }

    async #mount() {
      const attempt = ++this.#mounting;
      const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      try {
        const onEndpoint = this.hasAttribute('endpoint');
        const { api, sheet } = await (onEndpoint ? loadRemote() : load());
        // Removed, or restarted, while the bundle loaded.
        if (attempt !== this.#mounting || !this.isConnected) return;
        shadow.adoptedStyleSheets = [sheet];
        const root = document.createElement('div');
        shadow.replaceChildren(root);
        this.#lab = onEndpoint ? api.mount_remote(root, this.#attributes()) : api.mount_lab(root, this.#attributes());
      } catch (e) {
        const message = document.createElement('p');
        message.setAttribute('role', 'alert');
        message.textContent = `Streamlab could not load from ${base}: ${e?.message ?? e}`;
        shadow.replaceChildren(message);
      }
    }
  }

  customElements.define('stream-lab', StreamLab);
})();
