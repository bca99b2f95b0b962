/*
 * cert.js — the certificate pages: "Mitt vaccinationsbevis" (certificate.html) and
 * the verifier (verify.html). One module for both; <body data-page> says which.
 *
 * Texts: Swedish by default, English by the header button; the choice is kept in
 * localStorage "vaxchain.lang", the key the booking UI uses, so both stay in the
 * same language. Every element with data-t="key" gets the text of `key`,
 * data-t-aria="key" its aria-label. No inline script or style anywhere (the
 * server's CSP forbids them); the QR image is a data: URL from the API answer, so
 * the code shown is exactly the HC1 text shown.
 *
 * The certificate page signs in through the booking UI's dev login (a link to "/"):
 * GET /api/v1/me tells whether a citizen is signed in; GET /api/v1/me/certificate
 * gives the HC1 text, what it certifies and the QR; 404 carries message.sv/.en.
 * The verifier posts {"hc1"} to /api/v1/certificates/verify (no session needed) and
 * shows the verdict, the certificate's content and every step with its result.
 */
const STORE_KEY = 'vaxchain.lang';

const TEXTS = {
  sv: {
    skip: 'Hoppa till innehållet',
    brand: 'Vaccinationsbokning',
    demo: 'Demo – påhittade personer, inga riktiga uppgifter',
    'nav.label': 'Vaccinationsbevis',
    'nav.certificate': 'Mitt vaccinationsbevis',
    'nav.verify': 'Kontrollera ett bevis',
    'lang.other': 'In English',
    'lang.other_label': 'Change language to English',
    loading: 'Laddar…',
    'footer.home': 'Till bokningen',
    'footer.api': 'API-dokumentation (OpenAPI)',
    'cert.title': 'Mitt vaccinationsbevis',
    'cert.doc_title': 'Mitt vaccinationsbevis – vaxchain',
    'cert.signin.title': 'Logga in först',
    'cert.signin.text':
      'Logga in med samma demo-inloggning som i bokningen. Kom sedan tillbaka hit.',
    'cert.signin.link': 'Gå till inloggningen',
    'cert.staff': 'Vaccinationsbevis finns bara för invånare. Logga in som en demo-person.',
    'cert.card.title': 'EU:s digitala covidintyg – vaccination',
    'cert.qr.caption': 'Visa QR-koden för den som kontrollerar beviset.',
    'cert.qr.alt': 'QR-kod med vaccinationsbeviset för {name}',
    'cert.download': 'Ladda ner',
    'dl.pdf': 'Beviset som PDF (svenska och engelska)',
    'dl.png': 'QR-koden som bild (PNG)',
    'dl.svg': 'QR-koden som vektorbild (SVG)',
    'cert.hc1.label': 'Bevisets text (HC1)',
    'cert.hc1.hint': 'Samma innehåll som QR-koden. Du kan klistra in den i kontrollsidan.',
    'cert.copy': 'Kopiera texten',
    'cert.copied': 'Texten är kopierad.',
    'cert.copy_failed': 'Det gick inte att kopiera. Markera texten och kopiera den själv.',
    'cert.verify': 'Kontrollera ett bevis',
    'cert.signed_in': 'Inloggad: {name}',
    'f.name': 'Namn',
    'f.std': 'Namn i beviset (standardiserat)',
    'f.dob': 'Födelsedatum',
    'f.vaccine': 'Vaccin',
    'f.dose': 'Dos',
    'f.date': 'Vaccinationsdatum',
    'f.country': 'Land',
    'f.issuer': 'Utfärdare',
    'f.uvci': 'Bevisets identitet',
    'f.valid': 'Giltigt till',
    'f.what': 'Gäller',
    'f.signer': 'Signerat av',
    'dose.of': 'Dos {n} av {m}',
    'what.v': 'Vaccination, dos {n} av {m}, {date}',
    'what.t': 'Test',
    'what.r': 'Tillfrisknande',
    'err.network': 'Kunde inte nå servern. Försök igen.',
    'err.generic': 'Något gick fel ({status}). Försök igen.',
    'verify.title': 'Kontrollera ett vaccinationsbevis',
    'verify.doc_title': 'Kontrollera ett vaccinationsbevis – vaxchain',
    'verify.intro':
      'Klistra in texten från ett EU-intyg (EU:s digitala covidintyg). Vi kontrollerar varje steg: format, signatur mot betrodda utfärdare, giltighetstid och innehåll.',
    'verify.label': 'Bevisets text (börjar med HC1:)',
    'verify.hint': 'Inget av det du klistrar in sparas.',
    'verify.submit': 'Kontrollera',
    'verify.clear': 'Töm',
    'verify.empty': 'Klistra in bevisets text först.',
    'verify.valid': 'Giltigt',
    'verify.invalid': 'Ogiltigt',
    'verify.valid_text': 'Beviset är äkta och giltigt just nu.',
    'verify.invalid_text': 'Steget ”{step}” misslyckades: {why}',
    'verify.steps': 'Steg för steg',
    'verify.col.step': 'Steg',
    'verify.col.result': 'Resultat',
    'verify.col.why': 'Förklaring',
    'outcome.pass': 'Godkänt',
    'outcome.fail': 'Underkänt',
    'outcome.not_run': 'Inte kontrollerat',
  },
  en: {
    skip: 'Skip to content',
    brand: 'Vaccination booking',
    demo: 'Demo – made-up people, no real data',
    'nav.label': 'Vaccination certificates',
    'nav.certificate': 'My vaccination certificate',
    'nav.verify': 'Check a certificate',
    'lang.other': 'På svenska',
    'lang.other_label': 'Byt språk till svenska',
    loading: 'Loading…',
    'footer.home': 'Back to booking',
    'footer.api': 'API documentation (OpenAPI)',
    'cert.title': 'My vaccination certificate',
    'cert.doc_title': 'My vaccination certificate – vaxchain',
    'cert.signin.title': 'Sign in first',
    'cert.signin.text': 'Sign in with the same demo login as for booking, then come back here.',
    'cert.signin.link': 'Go to sign-in',
    'cert.staff': 'Certificates are for citizens only. Sign in as a demo person.',
    'cert.card.title': 'EU Digital COVID Certificate – vaccination',
    'cert.qr.caption': 'Show the QR code to whoever checks the certificate.',
    'cert.qr.alt': 'QR code with the vaccination certificate of {name}',
    'cert.download': 'Download',
    'dl.pdf': 'The certificate as PDF (Swedish and English)',
    'dl.png': 'The QR code as an image (PNG)',
    'dl.svg': 'The QR code as a vector image (SVG)',
    'cert.hc1.label': 'Certificate text (HC1)',
    'cert.hc1.hint': 'The same content as the QR code. You can paste it into the checking page.',
    'cert.copy': 'Copy the text',
    'cert.copied': 'The text has been copied.',
    'cert.copy_failed': 'Could not copy. Select the text and copy it yourself.',
    'cert.verify': 'Check a certificate',
    'cert.signed_in': 'Signed in: {name}',
    'f.name': 'Name',
    'f.std': 'Name in the certificate (standardised)',
    'f.dob': 'Date of birth',
    'f.vaccine': 'Vaccine',
    'f.dose': 'Dose',
    'f.date': 'Date of vaccination',
    'f.country': 'Country',
    'f.issuer': 'Issuer',
    'f.uvci': 'Certificate identifier',
    'f.valid': 'Valid until',
    'f.what': 'Certifies',
    'f.signer': 'Signed by',
    'dose.of': 'Dose {n} of {m}',
    'what.v': 'Vaccination, dose {n} of {m}, {date}',
    'what.t': 'Test',
    'what.r': 'Recovery',
    'err.network': 'Could not reach the server. Try again.',
    'err.generic': 'Something went wrong ({status}). Try again.',
    'verify.title': 'Check a vaccination certificate',
    'verify.doc_title': 'Check a vaccination certificate – vaxchain',
    'verify.intro':
      'Paste the text of an EU certificate (EU Digital COVID Certificate). Every step is checked: format, signature against trusted issuers, validity period and content.',
    'verify.label': 'Certificate text (starts with HC1:)',
    'verify.hint': 'Nothing you paste is stored.',
    'verify.submit': 'Check',
    'verify.clear': 'Clear',
    'verify.empty': 'Paste the certificate text first.',
    'verify.valid': 'Valid',
    'verify.invalid': 'Invalid',
    'verify.valid_text': 'The certificate is genuine and valid now.',
    'verify.invalid_text': 'The step “{step}” failed: {why}',
    'verify.steps': 'Step by step',
    'verify.col.step': 'Step',
    'verify.col.result': 'Result',
    'verify.col.why': 'Explanation',
    'outcome.pass': 'Passed',
    'outcome.fail': 'Failed',
    'outcome.not_run': 'Not checked',
  },
};

let current = (() => {
  try {
    return localStorage.getItem(STORE_KEY) === 'en' ? 'en' : 'sv';
  } catch {
    return 'sv';
  }
})();

function t(key, vars = {}) {
  const s = (TEXTS[current] && TEXTS[current][key]) || TEXTS.sv[key] || key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] !== undefined ? String(vars[k]) : `{${k}}`));
}

const $ = (id) => document.getElementById(id);

/* Put the current language's texts on the page. */
function applyTexts() {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-aria]'))
    el.setAttribute('aria-label', t(el.dataset.tAria));
  const other = current === 'sv' ? 'en' : 'sv';
  $('lang').setAttribute('lang', other);
  document.title = t(
    document.body.dataset.page === 'verify' ? 'verify.doc_title' : 'cert.doc_title',
  );
}

/* fetch with the language and, for POST, the CSRF header the server requires. */
async function call(method, path, body) {
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': current,
  };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['X-Requested-With'] = 'vaxchain';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { status: 0, data: null };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  return { status: res.status, data };
}

function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(current === 'en' ? 'en-GB' : 'sv-SE', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

function show(id, on = true) {
  $(id).hidden = !on;
}

/* ------------------------------------------------------------ certificate page */

let certState = null; // { kind: 'cert'|'none'|'signed-out'|'staff'|'error', ... }

function renderCertificate() {
  const st = certState;
  show('status', !st);
  for (const id of ['signed-out', 'not-citizen', 'none', 'error', 'cert']) show(id, false);
  if (!st) return;
  if (st.kind === 'signed-out') show('signed-out');
  else if (st.kind === 'staff') show('not-citizen');
  else if (st.kind === 'none') {
    $('none-text').textContent = (st.message && st.message[current]) || st.detail || '';
    show('none');
  } else if (st.kind === 'error') {
    $('error-text').textContent = st.status
      ? t('err.generic', { status: st.status })
      : t('err.network');
    show('error');
  } else if (st.kind === 'cert') {
    const c = st.cert;
    const h = c.holder || {};
    const v = c.vaccination || {};
    const name = [h.gn, h.fn].filter(Boolean).join(' ');
    $('qr').src = c.qr_png || '/api/v1/me/certificate.png';
    $('qr').alt = t('cert.qr.alt', { name });
    $('f-name').textContent = name;
    $('f-std').textContent = [h.fnt, h.gnt].filter(Boolean).join('<<');
    $('f-dob').textContent = h.dob && h.dob.length === 10 ? formatDate(h.dob) : h.dob || '';
    $('f-vaccine').textContent = [v.product, v.manufacturer].filter(Boolean).join(', ');
    $('f-dose').textContent = t('dose.of', { n: v.dose, m: v.of });
    $('f-date').textContent = formatDate(v.date);
    $('f-country').textContent = v.country || '';
    $('f-issuer').textContent = v.issuer || '';
    $('f-uvci').textContent = c.uvci || '';
    $('f-valid').textContent = formatDate(c.expires_at);
    $('hc1').value = c.hc1 || '';
    show('cert');
  }
  const who = $('who');
  if (who) who.textContent = st.name ? t('cert.signed_in', { name: st.name }) : '';
}

async function loadCertificate() {
  const me = await call('GET', '/api/v1/me');
  if (me.status === 401) {
    certState = { kind: 'signed-out' };
  } else if (me.status !== 200 || !me.data) {
    certState = { kind: 'error', status: me.status };
  } else if (me.data.role !== 'citizen') {
    certState = { kind: 'staff', name: me.data.display_name };
  } else {
    const name = me.data.display_name;
    const r = await call('GET', '/api/v1/me/certificate');
    if (r.status === 200 && r.data) certState = { kind: 'cert', cert: r.data, name };
    else if (r.status === 404 && r.data && r.data.message)
      certState = { kind: 'none', message: r.data.message, detail: r.data.detail, name };
    else certState = { kind: 'error', status: r.status, name };
  }
  renderCertificate();
  if (certState.kind === 'cert') $('main').focus();
}

async function copyText() {
  const ta = $('hc1');
  let ok = false;
  try {
    await navigator.clipboard.writeText(ta.value);
    ok = true;
  } catch {
    ta.focus();
    ta.select();
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
  }
  $('copied').textContent = t(ok ? 'cert.copied' : 'cert.copy_failed');
}

function initCertificate() {
  $('copy').addEventListener('click', copyText);
  loadCertificate();
}

/* ------------------------------------------------------------ verifier page */

let verifyState = null; // the last answer of the verifier

function cell(tag, text, attrs = {}) {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function renderVerify() {
  const r = verifyState;
  show('result', !!r);
  if (!r) return;
  const byName = {};
  for (const s of r.steps || []) byName[s.step] = s;
  const failed = r.failed_step ? byName[r.failed_step] : null;
  const verdict = $('verdict');
  verdict.textContent = r.valid ? t('verify.valid') : t('verify.invalid');
  verdict.className = `verdict ${r.valid ? 'verdict-ok' : 'verdict-bad'}`;
  $('result').className = `card result ${r.valid ? 'result-ok' : 'result-bad'}`;
  $('verdict-text').textContent = r.valid
    ? t('verify.valid_text')
    : t('verify.invalid_text', {
        step: failed ? failed.label[current] : r.failed_step,
        why: failed ? failed.why : '',
      });
  const dcc = r.dcc;
  show('content', !!dcc);
  if (dcc) {
    const nam = dcc.nam || {};
    $('v-name').textContent = [nam.gn || nam.gnt, nam.fn || nam.fnt].filter(Boolean).join(' ');
    $('v-dob').textContent = dcc.dob && dcc.dob.length === 10 ? formatDate(dcc.dob) : dcc.dob || '';
    const v = Array.isArray(dcc.v) && dcc.v[0];
    let what = '';
    if (v) what = t('what.v', { n: v.dn, m: v.sd, date: formatDate(v.dt) });
    else if (Array.isArray(dcc.t)) what = t('what.t');
    else if (Array.isArray(dcc.r)) what = t('what.r');
    $('v-what').textContent = what;
    const e = v || (dcc.t && dcc.t[0]) || (dcc.r && dcc.r[0]) || {};
    $('v-uvci').textContent = e.ci || '';
    $('v-signer').textContent = r.signer || (r.kid ? `kid ${r.kid}` : '');
    $('v-exp').textContent = formatDate(r.exp);
  }
  const body = $('steps');
  body.replaceChildren();
  for (const s of r.steps || []) {
    const tr = document.createElement('tr');
    tr.className = `step step-${s.outcome}`;
    tr.dataset.step = s.step;
    tr.append(cell('th', s.label[current] || s.step, { scope: 'row' }));
    const mark = s.outcome === 'pass' ? '✓ ' : s.outcome === 'fail' ? '✗ ' : '– ';
    const td = cell('td', '');
    td.append(
      cell('span', mark, { 'aria-hidden': 'true' }),
      document.createTextNode(t(`outcome.${s.outcome}`)),
    );
    td.className = 'outcome';
    tr.append(td, cell('td', s.why || ''));
    body.append(tr);
  }
}

function fieldError(msg) {
  const err = $('hc1-in-err');
  const ta = $('hc1-in');
  err.textContent = msg || '';
  err.hidden = !msg;
  if (msg) {
    ta.setAttribute('aria-invalid', 'true');
    ta.setAttribute('aria-describedby', 'hc1-in-err hc1-in-hint');
  } else {
    ta.removeAttribute('aria-invalid');
    ta.setAttribute('aria-describedby', 'hc1-in-hint');
  }
}

async function submitVerify(ev) {
  ev.preventDefault();
  const text = $('hc1-in').value.trim();
  if (!text) {
    fieldError(t('verify.empty'));
    $('hc1-in').focus();
    return;
  }
  fieldError('');
  const r = await call('POST', '/api/v1/certificates/verify', { hc1: text });
  if (r.status !== 200 || !r.data) {
    verifyState = null;
    renderVerify();
    fieldError(r.status ? t('err.generic', { status: r.status }) : t('err.network'));
    return;
  }
  verifyState = r.data;
  renderVerify();
  $('result').focus();
}

function initVerify() {
  $('verify-form').addEventListener('submit', submitVerify);
  $('clear').addEventListener('click', () => {
    $('hc1-in').value = '';
    verifyState = null;
    fieldError('');
    renderVerify();
    $('hc1-in').focus();
  });
}

/* ------------------------------------------------------------ start */

function rerender() {
  applyTexts();
  if (document.body.dataset.page === 'verify') renderVerify();
  else renderCertificate();
}

$('lang').addEventListener('click', () => {
  current = current === 'sv' ? 'en' : 'sv';
  try {
    localStorage.setItem(STORE_KEY, current);
  } catch {
    /* private mode: the choice lasts for this page */
  }
  rerender();
});

applyTexts();
if (document.body.dataset.page === 'verify') initVerify();
else initCertificate();
