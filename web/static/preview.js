// The preview of the contributor's space: a sheet's last saved version as the public will read
// it on the national map once published, with the "actions connexes" it will then have.

import { el, getJSON, themesOf } from './common.js';
import { $, api } from './account.js';
import { relatedFrom } from './compare.js';
import { sheetParts } from './sheet.js';

let themes = null;

/** Fills `#preview` with sheet `id`; `unsaved` says the editor holds changes not yet saved. */
export async function showPreview(id, unsaved) {
  const article = $('preview-sheet');
  $('preview-unsaved').hidden = !unsaved;
  article.setAttribute('aria-busy', 'true');
  article.replaceChildren(el('p', { role: 'status' }, 'Préparation de l’aperçu…'));
  $('preview-title').focus();
  if (!themes) themes = themesOf(await getJSON('/style.json').catch(() => ({})));
  const res = await api('GET', `/api/initiatives/${encodeURIComponent(id)}/preview`);
  article.removeAttribute('aria-busy');
  if (!res.ok) {
    article.replaceChildren(el('p', { class: 'field-error' }, `L’aperçu ne peut pas être affiché (erreur ${res.status}).`));
    return;
  }
  const { head, description } = sheetParts(res.data.initiative, themes);
  article.replaceChildren(...head, ...description, relatedFrom(res.data.related, themes));
}
