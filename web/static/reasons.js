// What the API says is wrong (its `code` and `params`), in French, for the pages. The API
// also gives an English `reason`, shown only for a code this file does not know yet.

const FIELDS = {
  external_id: 'identifiant', title: 'titre', summary: 'résumé', body: 'description', authority: 'collectivité',
  services: 'services', year: 'année', website: 'site web', status: 'état', place: 'nom du lieu', address: 'adresse',
  address_complement: 'complément d’adresse', postal_code: 'code postal', commune: 'commune', insee: 'code INSEE',
  departement: 'département', latitude: 'latitude', longitude: 'longitude', updated_on: 'date de mise à jour',
};
const field = (name) => FIELDS[name] || name;
const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 6 });

const REASONS = {
  body_not_an_object: () => 'Le contenu envoyé n’est pas un objet JSON.',
  rejection_reason: ({ max }) => `Indiquez le motif du refus (1 à ${max} caractères) : la collectivité le lira.`,
  required: () => 'Ce champ est obligatoire.',
  cannot_be_removed: () => 'Ce champ est obligatoire : il ne peut pas être vidé.',
  not_a_string: () => 'Un texte est attendu.',
  empty: () => 'Ce champ est vide.',
  too_long: ({ max }) => `Ce texte dépasse ${decimal.format(max)} caractères.`,
  set_by_service: () => 'Ce champ est rempli par le service, pas par le contributeur.',
  unknown_field: ({ allowed }) => `Champ inconnu ; les champs possibles sont : ${allowed}.`,
  services_not_a_list: () => 'Une liste de codes de services du référentiel est attendue (par exemple 1.b.2.1).',
  service_count: ({ max }) => `Choisissez de 1 à ${max} services ; le premier est le principal.`,
  duplicate_service: ({ service }) => `Le service ${service} est choisi deux fois.`,
  unknown_service: ({ service }) => `« ${service} » n’est pas un code de service du référentiel.`,
  places_not_a_list: () => 'Une liste de lieux est attendue.',
  place_count: ({ max }) => `Indiquez de 1 à ${max} lieux ; le premier est le principal.`,
  place_not_an_object: () => 'Ce lieu est mal formé.',
  not_a_number: () => 'Un nombre (en degrés, WGS 84) est attendu.',
  year: () => 'L’année de l’édition du label est un nombre entier de 1999 à 2100.',
  not_a_website: ({ value }) => `« ${value} » n’est pas une adresse web (http:// ou https://).`,
  website_not_a_string: () => 'Une adresse web est attendue.',
  one_coordinate: () => 'Seule la longitude ou seule la latitude est donnée : il faut les deux.',
  nothing_to_locate: () => 'Ce lieu n’a ni coordonnées, ni code INSEE, ni code postal, ni commune.',
  coordinates_not_numbers: () => 'Les coordonnées ne sont pas des nombres.',
  coordinates_out_of_range: ({ lon, lat }) => `Longitude ${decimal.format(lon)} et latitude ${decimal.format(lat)} : hors des bornes (−180 à 180, −90 à 90).`,
  outside_france: ({ lon, lat }) => `Le point ${decimal.format(lat)}, ${decimal.format(lon)} n’est dans aucune commune française (hors de France, ou en mer).`,
  unknown_insee: ({ insee }) => `${insee} n’est pas un code INSEE connu.`,
  unknown_postal_code: ({ postal_code }) => `${postal_code} n’est pas un code postal connu.`,
  shared_postal_code: ({ postal_code }) => `Le code postal ${postal_code} est commun à plusieurs communes : indiquez aussi la commune.`,
  no_commune_with_postal_code: ({ name, postal_code }) => `Aucune commune nommée « ${name} » n’a le code postal ${postal_code}.`,
  several_communes_with_postal_code: ({ name, postal_code }) => `Plusieurs communes nommées « ${name} » ont le code postal ${postal_code}.`,
  no_commune_named: ({ name, departement }) => `Aucune commune ne s’appelle « ${name} »${departement ? ` dans le département ${departement}` : ''}.`,
  ambiguous_name: ({ name }) => `Plusieurs communes s’appellent « ${name} » : indiquez le code postal ou le département.`,
  swapped_coordinates: () => 'La latitude et la longitude étaient inversées : elles ont été remises dans l’ordre.',
  far_from_commune: ({ commune, distance_km }) => `Le point est à ${decimal.format(distance_km)} km de la commune ${commune} : il est gardé tel quel.`,
  former_commune: ({ former, now }) => `${former} est une ancienne commune : le lieu est rattaché à ${now}.`,
  name_part: ({ written, commune }) => `« ${written} » est lu comme ${commune}, dont le nom le contient.`,
  name_near: ({ written, commune }) => `« ${written} » est lu comme ${commune}, au nom proche.`,
  address_not_found: ({ address, commune }) => `Adresse « ${address} » introuvable à ${commune} dans la Base Adresse Nationale : le lieu est placé à la mairie.`,
  unexpected_postal_code: ({ postal_code, commune }) => `Code postal ${postal_code} inattendu pour ${commune} : le nom l'a emporté.`,
  field_count: ({ fields, columns, separator }) => `La ligne compte ${fields} champs pour ${columns} colonnes : un texte contenant ${separator === 'semicolon' ? 'un point-virgule' : 'une virgule'} n’est-il pas entre guillemets ?`,
  fields_missing: ({ fields, columns }) => `La ligne compte ${fields} champs pour ${columns} colonnes : est-elle coupée ?`,
  item_not_an_object: () => 'Cet élément n’est pas un objet.',
  not_a_point: ({ geometry }) => `La géométrie est un ${geometry} : les lieux sont des points (Point ou MultiPoint).`,
  columns_differ: ({ first, second, field: f }) => `Les colonnes « ${first} » et « ${second} » donnent toutes deux le champ ${field(f)}, avec des valeurs différentes.`,
  not_a_status: ({ value }) => `« ${value} » n’est pas un état : publiée, brouillon ou archivée.`,
  no_mediation_service: () => 'Aucun service du référentiel ne correspond à ce lieu de médiation.',
  not_a_service_or_name: ({ value }) => `« ${value} » n’est ni un code de service du référentiel (comme 1.b.2.1) ni le nom d’un service.`,
  no_service: () => 'Aucun service : indiquez au moins un code de service du référentiel (comme 1.b.2.1) ou son nom.',
  not_a_year: ({ value }) => `« ${value} » n’est pas une année entre 1999 et 2100.`,
  not_a_decimal: ({ value }) => `« ${value} » n’est pas un nombre décimal (degrés, WGS 84).`,
  not_an_authority: ({ authority }) => `« ${authority} » n’est pas une collectivité : indiquez le code INSEE d’une commune, le SIREN d’un EPCI, dep-XX ou reg-XX.`,
  other_authority: ({ owner, own }) => `Cette fiche appartient à ${owner} ; vous n’écrivez que pour ${own}.`,
  sheet_of_other_authority: ({ id, owner }) => `L’identifiant « ${id} » est une fiche de ${owner}, que vous ne pouvez pas modifier.`,
  same_title_same_commune: ({ first_row }) => `La ligne ${first_row} a le même titre dans la même commune : ajoutez une colonne d’identifiant pour les distinguer.`,
  id_given_twice: ({ id, first_row, field: f }) => `L’identifiant « ${id} » figure déjà ligne ${first_row} avec un autre ${field(f)}.`,
};

/** A problem of the API (`{ code, params, reason }`) in French. */
export function reasonText(problem) {
  const say = REASONS[problem.code];
  return say ? say(problem.params || {}) : problem.reason;
}
