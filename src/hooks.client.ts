/**
 * In the browser, the page's language is the one the server rendered it in (`<html lang>`):
 * the server chose it from the driver's cookie or Accept-Language, which the browser's own
 * guess could differ from.
 */
import { overwriteGetLocale, isLocale, baseLocale } from '$lib/paraglide/runtime';

overwriteGetLocale(() => {
  const lang = document.documentElement.lang;
  return isLocale(lang) ? lang : baseLocale;
});
