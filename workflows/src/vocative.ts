/**
 * Polish addresses a person in the vocative: "Cześć, Zofio!", "Dzień dobry, Piotrze!". A
 * nominative name in a greeting ("Cześć Zofia") reads as a form letter. Masculine forms follow
 * too many alternations to derive safely (Paweł → Pawle, Kacper → Kacprze, Marek → Marku), so
 * they come from a list of common names; feminine names in -a follow rules. A name neither
 * covers gets no vocative, and the greeting goes without the name rather than with a wrong form.
 */
const MASCULINE: Record<string, string> = Object.fromEntries(
  (
    'adam:adamie adrian:adrianie alan:alanie aleksander:aleksandrze andrzej:andrzeju antoni:antoni arkadiusz:arkadiuszu ' +
    'artur:arturze bartek:bartku bartłomiej:bartłomieju bogdan:bogdanie borys:borysie czesław:czesławie damian:damianie ' +
    'daniel:danielu dariusz:dariuszu dawid:dawidzie dominik:dominiku edward:edwardzie emil:emilu eryk:eryku fabian:fabianie ' +
    'filip:filipie franciszek:franciszku gabriel:gabrielu grzegorz:grzegorzu henryk:henryku hubert:hubercie ignacy:ignacy ' +
    'igor:igorze ireneusz:ireneuszu jacek:jacku jakub:jakubie jan:janie janusz:januszu jarosław:jarosławie jerzy:jerzy ' +
    'józef:józefie julian:julianie kacper:kacprze kajetan:kajetanie kamil:kamilu karol:karolu kazimierz:kazimierzu ' +
    'konrad:konradzie krystian:krystianie krzysztof:krzysztofie leon:leonie leszek:leszku łukasz:łukaszu maciej:macieju ' +
    'maciek:maćku maksymilian:maksymilianie marcin:marcinie marek:marku marian:marianie mariusz:mariuszu mateusz:mateuszu ' +
    'michał:michale mikołaj:mikołaju miłosz:miłoszu mirosław:mirosławie nikodem:nikodemie norbert:norbercie olaf:olafie ' +
    'oskar:oskarze patryk:patryku paweł:pawle piotr:piotrze piotrek:piotrku przemysław:przemysławie radosław:radosławie ' +
    'rafał:rafale robert:robercie roman:romanie ryszard:ryszardzie sebastian:sebastianie sławomir:sławomirze stanisław:stanisławie ' +
    'stefan:stefanie szymon:szymonie tadeusz:tadeuszu tobiasz:tobiaszu tomasz:tomaszu tomek:tomku tymon:tymonie ' +
    'waldemar:waldemarze wiesław:wiesławie wiktor:wiktorze witold:witoldzie wojciech:wojciechu wojtek:wojtku ' +
    'zbigniew:zbigniewie zdzisław:zdzisławie'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

/** Short feminine forms in -la whose vocative ends in -u (Ola → Olu), unlike longer names (Urszula → Urszulo). */
const SHORT_IN_LA = new Set(['ala', 'ela', 'jola', 'ola', 'ula']);

function capitalise(word: string): string {
  return word.charAt(0).toLocaleUpperCase('pl') + word.slice(1);
}

/** The vocative of a Polish first name, or undefined when it cannot be given with confidence. */
export function polishVocative(firstName: string): string | undefined {
  const name = firstName.trim().split(/[\s-]+/)[0]?.toLocaleLowerCase('pl') ?? '';
  if (!/^\p{L}{2,}$/u.test(name)) return undefined;
  const known = MASCULINE[name];
  if (known) return capitalise(known);
  if (!name.endsWith('a')) return undefined;
  const stem = name.slice(0, -1);
  // Diminutives in -sia, -zia, -cia, -nia (Kasia, Zosia, Ania): Kasiu, Zosiu, Aniu.
  if (/(s|z|c|n)i$/.test(stem)) return capitalise(`${stem}u`);
  if (SHORT_IN_LA.has(name)) return capitalise(`${stem}u`);
  // Everything else in -a, including -ia and -ja (Zofia, Alicja, Anna, Kuba): Zofio, Alicjo, Anno, Kubo.
  return capitalise(`${stem}o`);
}
