/*
 * i18n.js — every text of the web UI, Swedish and English, in one dictionary.
 *
 * Swedish is the default; the choice is kept in localStorage ("vaxchain.lang").
 * t(key, params) looks a key up in the current language and fills {name}
 * placeholders; a key missing in English falls back to Swedish, a key missing in
 * both is returned as is (so a missing text is visible, never an exception).
 * Static markup uses data-i18n="key" (text) and data-i18n-attr="attr:key,..."
 * (attributes); applyStatic() fills them after a language switch.
 */

const STORE_KEY = 'vaxchain.lang';
export const LANGS = ['sv', 'en'];

export const DICT = {
  sv: {
    'app.title': 'Vaccinationsbokning',
    'app.tagline': 'Boka vaccination mot covid-19',
    'app.demo': 'Demo – påhittade personer, inga riktiga uppgifter',
    skip: 'Hoppa till innehållet',
    'lang.other': 'In English',
    'lang.other_label': 'Change language to English',
    'nav.label': 'Huvudmeny',
    'nav.book': 'Boka tid',
    'nav.bookings': 'Mina bokningar',
    'nav.callcentre': 'Samtalsstöd',
    'nav.certificate': 'Mitt vaccinationsbevis',
    'nav.verify': 'Kontrollera ett bevis',
    'nav.logout': 'Logga ut',
    signed_in_as: 'Inloggad: {name}',
    loading: 'Laddar…',
    back: 'Tillbaka',
    next: 'Fortsätt',
    close: 'Stäng',
    age: '{n} år',
    'footer.api': 'API-dokumentation (OpenAPI)',
    'footer.health': 'Driftstatus',

    'login.title': 'Logga in',
    'login.intro':
      'Det här är en demo. Välj en påhittad person eller en personalroll. Inloggningen ersätter BankID och SITHS-kort.',
    'login.citizens': 'Invånare (demopersoner)',
    'login.staff': 'Personal',
    'login.submit': 'Logga in',
    'login.choose': 'Välj en person eller en roll att logga in som.',
    'login.none': 'Demoinloggningen är avstängd. Starta servern med --dev-login.',
    'login.region': 'region {code}',
    'login.site': 'mottagning {code}',
    'login.kommun': 'kommun {code}',

    'steps.label': 'Steg i bokningen',
    'steps.elig': 'Behörighet',
    'steps.site': 'Mottagning',
    'steps.time': 'Dos 1',
    'steps.dose2': 'Dos 2',
    'steps.confirm': 'Bekräfta',
    'step.of': 'Steg {n} av {total}',

    'elig.title': 'Kan du boka?',
    'elig.title_agent': 'Kan personen boka?',
    'elig.yes': 'Du kan boka vaccination nu.',
    'elig.yes_agent': 'Personen kan boka vaccination nu.',
    'elig.no': 'Du kan inte boka vaccination ännu.',
    'elig.no_agent': 'Personen kan inte boka vaccination ännu.',
    'elig.cohort_closed':
      'Din grupp har ännu inte öppnats för bokning i din region. Du kan boka när regionen öppnar den.',
    'elig.opens': 'Din grupp öppnar för bokning {date}.',
    'elig.reason': 'Skäl',
    'elig.group': 'Grupp',
    'elig.phase': 'fas {phase}',
    'elig.start': 'Boka tid',
    'elig.has_booking': 'Du har redan en bokad tid.',
    'elig.see_bookings': 'Se Mina bokningar',
    'elig.hello': 'Hej {name}!',

    'site.title': 'Välj mottagning',
    'site.municipality': 'Kommun',
    'site.own': '{name} (din kommun)',
    'site.own_agent': '{name} (personens kommun)',
    'site.legend': 'Mottagningar i {name}',
    'site.none': 'Det finns inga mottagningar i den här kommunen.',
    'site.none_region': 'Det finns inga mottagningar i regionen.',
    'site.choose': 'Välj en mottagning.',
    'site.kind.health_centre': 'Vårdcentral',
    'site.kind.mass_centre': 'Massvaccinationscentrum',
    'site.kind.mobile': 'Mobil enhet',
    'site.kind.pharmacy': 'Apotek',
    'site.kind.care_home': 'Särskilt boende',

    'time.title': 'Välj tid för dos 1',
    'time.at_site': 'Mottagning: {name}',
    'time.days': 'Dag',
    'time.free': '{n} lediga tider',
    'time.free_one': '1 ledig tid',
    'time.full': 'Fullbokat',
    'time.slots': 'Lediga tider {date}',
    'time.places': '{n} platser kvar',
    'time.places_one': '1 plats kvar',
    'time.none': 'Inga lediga tider mellan {from} och {to}.',
    'time.later': 'Senare dagar',
    'time.earlier': 'Tidigare dagar',
    'time.pick_day': 'Välj en dag för att se tiderna.',
    'time.choose': 'Välj en tid.',
    'time.range': 'Visar {from} – {to}',

    'dose2.title': 'Välj tid för dos 2',
    'dose2.intro': 'Dos 2 ska ges mellan {min} och {max}. Vi föreslår {rec}.',
    'dose2.intro_open': 'Dos 2 ska ges tidigast {min}. Vi föreslår {rec}.',
    'dose2.none':
      'Det finns inga lediga tider för dos 2 inom tillåtet intervall på den här mottagningen. Välj en annan tid eller mottagning för dos 1.',
    'dose2.choose': 'Välj en tid för dos 2.',
    'dose2.recommended': 'föreslagen',
    'dose2.more': 'Visa fler dagar',
    'dose2.single': 'Vaccinet ges i en enda dos. Ingen tid för dos 2 behövs.',

    'confirm.title': 'Bekräfta bokningen',
    'confirm.title_rebook': 'Bekräfta ombokningen',
    'confirm.intro': 'Kontrollera uppgifterna innan du bekräftar.',
    'confirm.person': 'Person',
    'confirm.site': 'Mottagning',
    'confirm.vaccine': 'Vaccin',
    'confirm.dose1': 'Dos 1',
    'confirm.dose2': 'Dos 2',
    'confirm.submit': 'Bekräfta bokning',
    'confirm.submit_rebook': 'Bekräfta ombokning',
    'confirm.busy': 'Bokar…',

    'done.title': 'Klart! Tiden är bokad.',
    'done.title_rebook': 'Klart! Tiden är ombokad.',
    'done.text': 'Ta med legitimation. Avboka om du inte kan komma, så att någon annan får tiden.',
    'done.agent': 'Bokningen är gjord för {name}. Läs upp tiderna för personen.',
    'done.to_bookings': 'Till Mina bokningar',
    'done.to_callcentre': 'Tillbaka till samtalsstödet',
    'done.ref': 'Bokningsnummer {id}',

    'bookings.title': 'Mina bokningar',
    'bookings.title_agent': 'Bokningar',
    'bookings.none': 'Du har inga bokade tider.',
    'bookings.none_agent': 'Personen har inga bokade tider.',
    'bookings.dose': 'Dos {n}',
    'bookings.ref': 'Bokning {id}',
    'bookings.by_agent': 'Bokad via samtalsstöd',
    'bookings.rebook': 'Boka om',
    'bookings.cancel': 'Avboka',
    'bookings.rebook_label': 'Boka om: dos {n} {date}',
    'bookings.cancel_label': 'Avboka: tiderna från {date}',
    'bookings.cancel_q': 'Vill du avboka?',
    'bookings.cancel_text': 'Båda doserna avbokas: {date}. Tiderna blir lediga för andra direkt.',
    'bookings.cancel_yes': 'Ja, avboka',
    'bookings.cancel_no': 'Nej, behåll tiden',
    'bookings.cancelled': 'Bokningen är avbokad.',
    'bookings.book_new': 'Boka tid',

    'cc.title': 'Samtalsstöd',
    'cc.intro':
      'Sök fram personen som ringer, kontrollera behörigheten och boka, boka om eller avboka åt personen. Du bokar ur samma tider som webbokningen.',
    'cc.pnr': 'Personnummer',
    'cc.pnr_hint': '12 siffror: ÅÅÅÅMMDD-NNNN',
    'cc.search': 'Sök person',
    'cc.person': 'Person',
    'cc.name': 'Namn',
    'cc.age': 'Ålder',
    'cc.municipality': 'Kommun',
    'cc.eligibility': 'Behörighet',
    'cc.book_for': 'Boka tid åt {name}',
    'cc.new_search': 'Ny sökning',
    'cc.acting': 'Du bokar åt {name}',

    'queue.title': 'Du står i kö',
    'queue.intro':
      'Många bokar just nu. Du har fått en plats i kön och går vidare automatiskt när det är din tur. Stäng inte sidan.',
    'queue.position': 'Din plats i kön',
    'queue.wait': 'Beräknad väntetid',
    'queue.minutes': 'cirka {n} minuter',
    'queue.minute': 'cirka 1 minut',
    'queue.seconds': 'mindre än en minut',
    'queue.admitted': 'Det är din tur! Du skickas vidare…',
    'queue.updated': 'Senast uppdaterad {time}',
    'queue.continue': 'Fortsätt till bokningen',

    'staff.title': 'Personal',
    'staff.text':
      'Du är inloggad som {role}. Den här rollen har ännu ingen egen vy i webbgränssnittet; använd API:t.',

    'err.title': 'Något gick fel',
    'err.network': 'Det gick inte att nå servern. Kontrollera anslutningen och försök igen.',
    'err.session': 'Du är inte inloggad längre. Logga in igen.',
    'err.fields': 'Rätta följande:',
    'err.code': 'Felkod {status}',
    'err.problem.validation-failed': 'Uppgifterna är inte giltiga',
    'err.problem.invalid-input': 'Uppgifterna är inte giltiga',
    'err.problem.not-found': 'Hittades inte',
    'err.problem.conflict': 'Det gick inte att genomföra',
    'err.problem.forbidden': 'Inte tillåtet',
    'err.problem.unauthenticated': 'Du är inte inloggad',
    'err.problem.busy': 'Tjänsten är hårt belastad just nu. Försök igen om en stund.',
    'err.problem.csrf': 'Begäran nekades av säkerhetsskäl',
    'err.problem.out-of-range': 'Värdet är utanför tillåtet intervall',

    'field.pnr': 'Personnummer',
    'field.person': 'Person',
    'field.slot': 'Tid',
    'field.slot1': 'Tid för dos 1',
    'field.slot2': 'Tid för dos 2',
    'field.code': 'Inbjudningskod',
    'field.role': 'Roll',
    'field.id': 'Bokning',
    'field.booking': 'Bokning',
    'field.X-Queue-Token': 'Köbiljett',
    'field.Idempotency-Key': 'Begäran',
    'field.token': 'Köbiljett',
    'field.from': 'Från och med',
    'field.to': 'Till och med',
    'field.date': 'Datum',
    'field.vaccine': 'Vaccin',

    'reason.required': 'måste anges',
    'reason.unknown field': 'okänt fält',
    'reason.expected integer': 'ska vara ett heltal',
    'reason.expected string': 'ska vara text',
    'reason.too long': 'är för långt',
    'reason.bad check digit': 'fel kontrollsiffra',
    'reason.bad length': 'fel antal siffror',
    'reason.bad date': 'ogiltigt datum',
    'reason.not a number': 'innehåller tecken som inte är siffror',
    'reason.no such person': 'finns inte i registret',
    'reason.expected_got': 'ska vara {want}, inte {got}',

    'vaccine.COM': 'Comirnaty (Pfizer/BioNTech)',
    'vaccine.MOD': 'Spikevax (Moderna)',
    'vaccine.AZ': 'Vaxzevria (AstraZeneca)',
    'vaccine.JANSS': 'COVID-19 Vaccine Janssen',
    'vaccine.NVX': 'Nuvaxovid (Novavax)',
    'vaccine.FLU_VAXIGRIP': 'Vaxigrip Tetra (influensa)',

    'date.at': '{date} kl. {time}',
  },
  en: {
    'app.title': 'Vaccination booking',
    'app.tagline': 'Book a COVID-19 vaccination',
    'app.demo': 'Demo – made-up persons, no real data',
    skip: 'Skip to content',
    'lang.other': 'På svenska',
    'lang.other_label': 'Byt språk till svenska',
    'nav.label': 'Main menu',
    'nav.book': 'Book',
    'nav.bookings': 'My bookings',
    'nav.callcentre': 'Call centre',
    'nav.certificate': 'My vaccination certificate',
    'nav.verify': 'Check a certificate',
    'nav.logout': 'Sign out',
    signed_in_as: 'Signed in: {name}',
    loading: 'Loading…',
    back: 'Back',
    next: 'Continue',
    close: 'Close',
    age: '{n} years',
    'footer.api': 'API documentation (OpenAPI)',
    'footer.health': 'Service status',

    'login.title': 'Sign in',
    'login.intro':
      'This is a demo. Choose a made-up person or a staff role. This sign-in stands in for BankID and SITHS cards.',
    'login.citizens': 'Residents (demo persons)',
    'login.staff': 'Staff',
    'login.submit': 'Sign in',
    'login.choose': 'Choose a person or a role to sign in as.',
    'login.none': 'The demo sign-in is switched off. Start the server with --dev-login.',
    'login.region': 'region {code}',
    'login.site': 'site {code}',
    'login.kommun': 'municipality {code}',

    'steps.label': 'Booking steps',
    'steps.elig': 'Eligibility',
    'steps.site': 'Site',
    'steps.time': 'Dose 1',
    'steps.dose2': 'Dose 2',
    'steps.confirm': 'Confirm',
    'step.of': 'Step {n} of {total}',

    'elig.title': 'Can you book?',
    'elig.title_agent': 'Can the person book?',
    'elig.yes': 'You can book a vaccination now.',
    'elig.yes_agent': 'The person can book a vaccination now.',
    'elig.no': 'You cannot book a vaccination yet.',
    'elig.no_agent': 'The person cannot book a vaccination yet.',
    'elig.cohort_closed':
      'Your group has not been opened for booking in your region yet. You can book once the region opens it.',
    'elig.opens': 'Your group opens for booking on {date}.',
    'elig.reason': 'Reason',
    'elig.group': 'Group',
    'elig.phase': 'phase {phase}',
    'elig.start': 'Book an appointment',
    'elig.has_booking': 'You already have a booking.',
    'elig.see_bookings': 'See My bookings',
    'elig.hello': 'Hello {name}!',

    'site.title': 'Choose a vaccination site',
    'site.municipality': 'Municipality',
    'site.own': '{name} (your municipality)',
    'site.own_agent': "{name} (the person's municipality)",
    'site.legend': 'Sites in {name}',
    'site.none': 'There are no sites in this municipality.',
    'site.none_region': 'There are no sites in the region.',
    'site.choose': 'Choose a site.',
    'site.kind.health_centre': 'Health centre',
    'site.kind.mass_centre': 'Mass vaccination centre',
    'site.kind.mobile': 'Mobile unit',
    'site.kind.pharmacy': 'Pharmacy',
    'site.kind.care_home': 'Care home',

    'time.title': 'Choose a time for dose 1',
    'time.at_site': 'Site: {name}',
    'time.days': 'Day',
    'time.free': '{n} free times',
    'time.free_one': '1 free time',
    'time.full': 'Fully booked',
    'time.slots': 'Free times on {date}',
    'time.places': '{n} places left',
    'time.places_one': '1 place left',
    'time.none': 'No free times between {from} and {to}.',
    'time.later': 'Later days',
    'time.earlier': 'Earlier days',
    'time.pick_day': 'Choose a day to see its times.',
    'time.choose': 'Choose a time.',
    'time.range': 'Showing {from} – {to}',

    'dose2.title': 'Choose a time for dose 2',
    'dose2.intro': 'Dose 2 is given between {min} and {max}. We suggest {rec}.',
    'dose2.intro_open': 'Dose 2 is given on {min} or later. We suggest {rec}.',
    'dose2.none':
      'There are no free times for dose 2 within the allowed interval at this site. Choose another time or site for dose 1.',
    'dose2.choose': 'Choose a time for dose 2.',
    'dose2.recommended': 'suggested',
    'dose2.more': 'Show more days',
    'dose2.single': 'This vaccine is given as a single dose. No time for dose 2 is needed.',

    'confirm.title': 'Confirm the booking',
    'confirm.title_rebook': 'Confirm the new times',
    'confirm.intro': 'Check the details before you confirm.',
    'confirm.person': 'Person',
    'confirm.site': 'Site',
    'confirm.vaccine': 'Vaccine',
    'confirm.dose1': 'Dose 1',
    'confirm.dose2': 'Dose 2',
    'confirm.submit': 'Confirm booking',
    'confirm.submit_rebook': 'Confirm new times',
    'confirm.busy': 'Booking…',

    'done.title': 'Done! The appointment is booked.',
    'done.title_rebook': 'Done! The appointment has been moved.',
    'done.text':
      'Bring identification. Cancel if you cannot come, so that someone else can have the time.',
    'done.agent': 'The booking is made for {name}. Read the times out to the person.',
    'done.to_bookings': 'Go to My bookings',
    'done.to_callcentre': 'Back to the call centre',
    'done.ref': 'Booking number {id}',

    'bookings.title': 'My bookings',
    'bookings.title_agent': 'Bookings',
    'bookings.none': 'You have no booked appointments.',
    'bookings.none_agent': 'The person has no booked appointments.',
    'bookings.dose': 'Dose {n}',
    'bookings.ref': 'Booking {id}',
    'bookings.by_agent': 'Booked by the call centre',
    'bookings.rebook': 'Change time',
    'bookings.cancel': 'Cancel',
    'bookings.rebook_label': 'Change time: dose {n} on {date}',
    'bookings.cancel_label': 'Cancel: the appointments from {date}',
    'bookings.cancel_q': 'Do you want to cancel?',
    'bookings.cancel_text':
      'Both doses are cancelled: {date}. The times become free for others at once.',
    'bookings.cancel_yes': 'Yes, cancel',
    'bookings.cancel_no': 'No, keep it',
    'bookings.cancelled': 'The booking has been cancelled.',
    'bookings.book_new': 'Book an appointment',

    'cc.title': 'Call centre',
    'cc.intro':
      'Look up the caller, check their eligibility, and book, change or cancel on their behalf. You book from the same times as the web booking.',
    'cc.pnr': 'Personal identity number',
    'cc.pnr_hint': '12 digits: YYYYMMDD-NNNN',
    'cc.search': 'Find person',
    'cc.person': 'Person',
    'cc.name': 'Name',
    'cc.age': 'Age',
    'cc.municipality': 'Municipality',
    'cc.eligibility': 'Eligibility',
    'cc.book_for': 'Book for {name}',
    'cc.new_search': 'New search',
    'cc.acting': 'You are booking for {name}',

    'queue.title': 'You are in the queue',
    'queue.intro':
      'Many people are booking right now. You have a place in the queue and will move on automatically when it is your turn. Do not close the page.',
    'queue.position': 'Your place in the queue',
    'queue.wait': 'Estimated wait',
    'queue.minutes': 'about {n} minutes',
    'queue.minute': 'about 1 minute',
    'queue.seconds': 'less than a minute',
    'queue.admitted': 'It is your turn! Taking you on…',
    'queue.updated': 'Last updated {time}',
    'queue.continue': 'Continue to the booking',

    'staff.title': 'Staff',
    'staff.text':
      'You are signed in as {role}. This role has no view of its own in the web interface yet; use the API.',

    'err.title': 'Something went wrong',
    'err.network': 'The server could not be reached. Check the connection and try again.',
    'err.session': 'You are no longer signed in. Please sign in again.',
    'err.fields': 'Please correct the following:',
    'err.code': 'Error code {status}',
    'err.problem.validation-failed': 'The details are not valid',
    'err.problem.invalid-input': 'The details are not valid',
    'err.problem.not-found': 'Not found',
    'err.problem.conflict': 'This could not be done',
    'err.problem.forbidden': 'Not allowed',
    'err.problem.unauthenticated': 'You are not signed in',
    'err.problem.busy': 'The service is very busy right now. Please try again in a moment.',
    'err.problem.csrf': 'The request was refused for security reasons',
    'err.problem.out-of-range': 'The value is outside the allowed range',

    'field.pnr': 'Personal identity number',
    'field.person': 'Person',
    'field.slot': 'Time',
    'field.slot1': 'Time for dose 1',
    'field.slot2': 'Time for dose 2',
    'field.code': 'Invitation code',
    'field.role': 'Role',
    'field.id': 'Booking',
    'field.booking': 'Booking',
    'field.X-Queue-Token': 'Queue ticket',
    'field.Idempotency-Key': 'Request',
    'field.token': 'Queue ticket',
    'field.from': 'From',
    'field.to': 'To',
    'field.date': 'Date',
    'field.vaccine': 'Vaccine',

    'reason.required': 'is required',
    'reason.unknown field': 'unknown field',
    'reason.expected integer': 'must be a whole number',
    'reason.expected string': 'must be text',
    'reason.too long': 'is too long',
    'reason.bad check digit': 'wrong check digit',
    'reason.bad length': 'wrong number of digits',
    'reason.bad date': 'not a valid date',
    'reason.not a number': 'contains characters that are not digits',
    'reason.no such person': 'is not in the register',
    'reason.expected_got': 'expected {want}, got {got}',

    'date.at': '{date} at {time}',
  },
};

let current = (() => {
  try {
    const v = localStorage.getItem(STORE_KEY);
    return LANGS.includes(v) ? v : 'sv';
  } catch {
    return 'sv';
  }
})();

/* The current language code, "sv" or "en". */
export function lang() {
  return current;
}

/* The BCP 47 locale for Intl formatting. */
export function locale() {
  return current === 'en' ? 'en-GB' : 'sv-SE';
}

/* Switch language, remember it and update the document's lang attribute. */
export function setLang(l) {
  if (!LANGS.includes(l)) return;
  current = l;
  try {
    localStorage.setItem(STORE_KEY, l);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = l;
}

/* The text for `key` in the current language with {name} placeholders filled. */
export function t(key, params) {
  let s = DICT[current][key];
  if (s === undefined) s = DICT.sv[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

/* True when the dictionary has `key` (in the current language or Swedish). */
export function has(key) {
  return DICT[current][key] !== undefined || DICT.sv[key] !== undefined;
}

/* Fill data-i18n / data-i18n-attr elements under `root`. */
export function applyStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}
