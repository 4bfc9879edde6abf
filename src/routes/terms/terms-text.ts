/**
 * The terms in the driver's five languages. A plain-language summary written for plugpay, not
 * legal text: each translation wants a lawyer's review before plugpay is used commercially
 * (docs/decisions/017-driver-app.md). The page is rendered on the server only (no script), so
 * none of this reaches the browser as JavaScript.
 */
import type { Locale } from '$lib/i18n/locales';

export interface TermsText {
  title: string;
  summary: string;
  sections: Array<{ heading: string; text: string }>;
  contact: { heading: string; before: string; after: string };
}

export const TERMS_EMAIL = 'support@plugpay.example';

export const TERMS: Record<Locale, TermsText> = {
  en: {
    title: 'Terms for charging with plugpay',
    summary: "Plain-language summary. Prices are shown on the charger's page before you start, VAT included.",
    sections: [
      {
        heading: '1. Reservation',
        text: 'Before charging starts, you choose an amount and approve a reservation of it in the Vipps or MobilePay app. The amount is held on your card or account; it is not yet a payment. Charging starts only after you approve.'
      },
      {
        heading: '2. You pay for what you use',
        text: 'When charging ends — you stop it on your phone, the car is full, the cable is unplugged, or the reserved amount is used up — we charge (capture) the actual cost: energy (per kWh) and, where the price list says so, time per minute, a start fee and an idle fee. We never charge more than the amount you reserved.'
      },
      {
        heading: '3. The rest is released',
        text: 'Whatever is left of the reservation is released at once. How soon it shows as available again depends on your bank, usually within minutes and at most a few days. If charging never started, the whole reservation is released and you are not charged.'
      },
      {
        heading: '4. Receipt',
        text: 'The receipt, with energy, duration, price lines and VAT, is shown on your phone when charging ends and is sent to your Vipps or MobilePay app.'
      },
      {
        heading: '5. If something goes wrong',
        text: 'If the charger stops because of a fault, you pay only for the energy delivered until then. If you think you have been charged wrongly, contact us with the time and the station name from the receipt.'
      }
    ],
    contact: {
      heading: '6. Contact',
      before: 'The charging operator named on the station is responsible for the charging service. Questions and complaints:',
      after: 'You may also contact the Norwegian Consumer Council (Forbrukerrådet).'
    }
  },
  nb: {
    title: 'Vilkår for lading med plugpay',
    summary: 'Sammendrag i klarspråk. Prisene vises på laderens side før du starter, inkludert mva.',
    sections: [
      {
        heading: '1. Reservasjon',
        text: 'Før ladingen starter, velger du et beløp og godkjenner en reservasjon av det i Vipps- eller MobilePay-appen. Beløpet holdes av på kortet eller kontoen din; det er ennå ikke en betaling. Ladingen starter først når du har godkjent.'
      },
      {
        heading: '2. Du betaler for det du bruker',
        text: 'Når ladingen er ferdig – du stopper den på telefonen, bilen er full, kabelen trekkes ut eller det reserverte beløpet er brukt opp – trekker vi den faktiske kostnaden: energi (per kWh) og, der prislisten sier det, tid per minutt, startavgift og tomgangsavgift. Vi trekker aldri mer enn beløpet du reserverte.'
      },
      {
        heading: '3. Resten frigis',
        text: 'Det som er igjen av reservasjonen, frigis med en gang. Hvor fort det vises som tilgjengelig igjen, avhenger av banken din, vanligvis i løpet av minutter og høyst noen dager. Startet ladingen aldri, frigis hele reservasjonen, og du betaler ingenting.'
      },
      {
        heading: '4. Kvittering',
        text: 'Kvitteringen, med energi, varighet, prislinjer og mva., vises på telefonen når ladingen er ferdig og sendes til Vipps- eller MobilePay-appen din.'
      },
      {
        heading: '5. Hvis noe går galt',
        text: 'Stopper laderen på grunn av en feil, betaler du bare for energien som ble levert fram til da. Mener du at du har betalt feil beløp, kontakt oss med tidspunktet og stasjonsnavnet fra kvitteringen.'
      }
    ],
    contact: {
      heading: '6. Kontakt',
      before: 'Ladeoperatøren som står oppført på stasjonen, er ansvarlig for ladetjenesten. Spørsmål og klager:',
      after: 'Du kan også kontakte Forbrukerrådet.'
    }
  },
  sv: {
    title: 'Villkor för laddning med plugpay',
    summary: 'Sammanfattning på klarspråk. Priserna visas på laddarens sida innan du börjar, inklusive moms.',
    sections: [
      {
        heading: '1. Reservation',
        text: 'Innan laddningen startar väljer du ett belopp och godkänner en reservation av det i Vipps- eller MobilePay-appen. Beloppet hålls på ditt kort eller konto; det är ännu ingen betalning. Laddningen startar först när du har godkänt.'
      },
      {
        heading: '2. Du betalar för det du använder',
        text: 'När laddningen är klar – du stoppar den i telefonen, bilen är full, kabeln dras ur eller det reserverade beloppet är förbrukat – drar vi den faktiska kostnaden: energi (per kWh) och, där prislistan anger det, tid per minut, startavgift och tomgångsavgift. Vi drar aldrig mer än beloppet du reserverade.'
      },
      {
        heading: '3. Resten frigörs',
        text: 'Det som återstår av reservationen frigörs direkt. Hur snart det syns som tillgängligt igen beror på din bank, oftast inom några minuter och högst några dagar. Om laddningen aldrig startade frigörs hela reservationen och du debiteras ingenting.'
      },
      {
        heading: '4. Kvitto',
        text: 'Kvittot, med energi, tid, prisrader och moms, visas i telefonen när laddningen är klar och skickas till din Vipps- eller MobilePay-app.'
      },
      {
        heading: '5. Om något går fel',
        text: 'Om laddaren stannar på grund av ett fel betalar du bara för energin som levererats fram till dess. Om du anser att du har debiterats fel, kontakta oss med tidpunkten och stationens namn från kvittot.'
      }
    ],
    contact: {
      heading: '6. Kontakt',
      before: 'Laddoperatören som anges på stationen ansvarar för laddtjänsten. Frågor och klagomål:',
      after: 'Du kan också kontakta Forbrukerrådet, den norska konsumentmyndigheten.'
    }
  },
  da: {
    title: 'Vilkår for opladning med plugpay',
    summary: 'Sammendrag i klart sprog. Priserne vises på laderens side, før du starter, inklusive moms.',
    sections: [
      {
        heading: '1. Reservation',
        text: 'Før opladningen starter, vælger du et beløb og godkender en reservation af det i Vipps- eller MobilePay-appen. Beløbet holdes på dit kort eller din konto; det er endnu ikke en betaling. Opladningen starter først, når du har godkendt.'
      },
      {
        heading: '2. Du betaler for det, du bruger',
        text: 'Når opladningen slutter – du stopper den på telefonen, bilen er fuld, kablet tages ud, eller det reserverede beløb er brugt – trækker vi den faktiske pris: energi (pr. kWh) og, hvor prislisten siger det, tid pr. minut, startgebyr og tomgangsgebyr. Vi trækker aldrig mere end det beløb, du reserverede.'
      },
      {
        heading: '3. Resten frigives',
        text: 'Det, der er tilbage af reservationen, frigives med det samme. Hvor hurtigt det igen vises som tilgængeligt, afhænger af din bank, normalt inden for minutter og højst nogle få dage. Startede opladningen aldrig, frigives hele reservationen, og du betaler intet.'
      },
      {
        heading: '4. Kvittering',
        text: 'Kvitteringen, med energi, varighed, prislinjer og moms, vises på din telefon, når opladningen slutter, og sendes til din Vipps- eller MobilePay-app.'
      },
      {
        heading: '5. Hvis noget går galt',
        text: 'Stopper laderen på grund af en fejl, betaler du kun for den energi, der er leveret indtil da. Mener du, at du er blevet opkrævet forkert, så kontakt os med tidspunktet og stationens navn fra kvitteringen.'
      }
    ],
    contact: {
      heading: '6. Kontakt',
      before: 'Ladeoperatøren, der er angivet på stationen, er ansvarlig for ladetjenesten. Spørgsmål og klager:',
      after: 'Du kan også kontakte Forbrukerrådet, det norske forbrugerråd.'
    }
  },
  fi: {
    title: 'Plugpay-latauksen ehdot',
    summary: 'Selkokielinen tiivistelmä. Hinnat näkyvät laturin sivulla ennen aloittamista, arvonlisävero sisältyy.',
    sections: [
      {
        heading: '1. Varaus',
        text: 'Ennen latauksen alkua valitset summan ja hyväksyt sen varauksen Vipps- tai MobilePay-sovelluksessa. Summa varataan kortiltasi tai tililtäsi; se ei ole vielä maksu. Lataus alkaa vasta, kun olet hyväksynyt varauksen.'
      },
      {
        heading: '2. Maksat vain käyttämästäsi',
        text: 'Kun lataus päättyy – lopetat sen puhelimella, auto on täynnä, kaapeli irrotetaan tai varattu summa on käytetty – veloitamme todellisen hinnan: energian (per kWh) ja, jos hinnasto niin sanoo, aikamaksun minuutilta, aloitusmaksun ja seisontamaksun. Emme koskaan veloita enempää kuin varaamasi summan.'
      },
      {
        heading: '3. Loput vapautetaan',
        text: 'Varauksesta jäljelle jäävä osa vapautetaan heti. Se, kuinka pian summa näkyy taas käytettävissä, riippuu pankistasi: yleensä muutamassa minuutissa, enintään muutamassa päivässä. Jos lataus ei koskaan alkanut, koko varaus vapautetaan eikä sinulta veloiteta mitään.'
      },
      {
        heading: '4. Kuitti',
        text: 'Kuitti, jossa on energia, kesto, hintarivit ja arvonlisävero, näkyy puhelimessasi latauksen päätyttyä ja lähetetään Vipps- tai MobilePay-sovellukseesi.'
      },
      {
        heading: '5. Jos jokin menee vikaan',
        text: 'Jos laturi pysähtyy vian vuoksi, maksat vain siihen asti toimitetusta energiasta. Jos arvelet, että sinua on veloitettu väärin, ota meihin yhteyttä ja kerro kuitin aika ja aseman nimi.'
      }
    ],
    contact: {
      heading: '6. Yhteystiedot',
      before: 'Asemalla mainittu latausoperaattori vastaa latauspalvelusta. Kysymykset ja valitukset:',
      after: 'Voit myös ottaa yhteyttä Norjan kuluttajaneuvostoon (Forbrukerrådet).'
    }
  }
};
