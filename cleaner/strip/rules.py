"""The line rules: what a line of aggregator furniture looks like, per category and language.

A rule here only says what a *whole line* looks like; it is matched against the
line with its bullets, surrounding whitespace and closing punctuation taken off.
Whether a matching line is removed also depends on where it stands and how long
it is; that is decided in ``stage.py``. Anchoring every pattern to the whole line
is what lets "Share" the widget go while "The company will share the data" stays.

Categories (the ``reason`` of a removal):
ad_slot, share_widget, related_counter, related_header, poll, cache_banner,
photo_credit, footer, cta, reader_question, newsletter, curation_header, timestamp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import nfkc, strip_marks


@dataclass(frozen=True)
class LineRule:
    name: str
    category: str
    pattern: re.Pattern
    max_words: int = 15
    # A credit or a label never ends like a sentence; "He spoke for Reuters." is prose.
    sentence_ok: bool = True
    # Furniture only where the article has ended (a reader question, an author bio):
    # the same line mid-article is part of it.
    tail_only: bool = False


def _rx(*alternatives: str) -> re.Pattern:
    return re.compile("(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’»)]*$")
def _rx_sentences(*alternatives: str) -> re.Pattern:
    """One or more of the alternatives in a row, as sentences: "What do you think? Tell us below."."""
    one = "(?:" + "|".join(alternatives) + ")"
    return re.compile(one + r"(?:\s*[?!.…]+\s*¿?" + one + ")*", re.IGNORECASE)


_CLOSING_PUNCT_RE = re.compile(r"[\s.:!?…,;·|\-–—»>]+$")
_SPACES_RE = re.compile(r"\s+")


def line_key(text: str) -> str:
    """The line as the rules see it: no bullets, single spaces, no closing punctuation."""
    text = _SPACES_RE.sub(" ", strip_marks(nfkc(text)))
    return _CLOSING_PUNCT_RE.sub("", text).strip()


_AGENCIES = (
    r"getty(?: images)?|reuters|afp|ap(?: photo| images)?|associated press|epa(?:-efe)?|dpa|shutterstock|"
    r"istock(?:photo)?|picture[- ]alliance|imago(?: images)?|efe|ansa|bloomberg|alamy|sipa(?: press)?|abaca|"
    r"keystone|anadolu(?: agency)?|xinhua|tass|zuma(?: press)?|nurphoto|sopa images|lightrocket|"
    r"wireimage|filmmagic|unsplash|pexels|pixabay|wikimedia commons|aap|pa(?: media| images)?"
)

RULES: tuple[LineRule, ...] = (
    # --- ad slots -----------------------------------------------------------------
    LineRule("ad_label", "ad_slot", _rx(
        r"(?:in[- ]article |inline |mid[- ]article |sidebar |top |bottom )?(?:advertisement|advertisment|advertising|advert|ads?)",
        r"sponsored(?: content| post| links?| stories| article)?(?: by .{1,40})?",
        r"paid (?:partner )?(?:content|post|partnership|promotion)(?: by .{1,40})?", r"promoted(?: content| stories| post)?",
        r"partner content", r"ad feedback", r"skip (?:this )?(?:ad|advertisement)", r"report (?:this )?ad", r"remove ads", r"ads by .{1,30}",
        r"anzeige", r"werbung", r"gesponsert(?:er inhalt)?", r"sponsored by", r"bezahlter inhalt",
        r"publicit[ée](?: ?- ?continuez la lecture ci-dessous)?", r"annonce", r"contenu (?:sponsoris[ée]|partenaire)",
        r"sponsoris[ée]", r"publicidad", r"anuncio", r"contenido patrocinado", r"patrocinado",
        r"pubblicit[àa]", r"contenuto sponsorizzato", r"publicidade", r"conte[úu]do patrocinado",
        r"publi-?r[ée]dactionnel", r"publirreportaje", r"informaci[óo]n patrocinada", r"advertentie", r"gesponsord",
        r"reclame", r"publieksinformatie",
    ), max_words=8),
    LineRule("ad_continue", "ad_slot", _rx(
        r"(?:the )?(?:story|article|text|content) continues (?:below|after)(?: (?:this|the))?(?: (?:advertisement|ad|ads))?",
        r"continue reading (?:below|after (?:the |this )?(?:ad|advertisement))",
        r"scroll (?:down )?to (?:continue|read)(?: with content| reading)?",
        r"advertisement ?[-–—:]? ?scroll (?:down )?to continue(?: with content| reading)?",
        r"(?:lesen sie )?weiter (?:nach|unter) der anzeige", r"weiterlesen nach der anzeige",
        r"artikel (?:wird )?(?:geht )?(?:nach|unter) der anzeige (?:weiter|fortgesetzt)",
        r"(?:la suite de l'article|l'article continue|la suite) (?:apr[èe]s|sous|ci-dessous)(?: (?:cette|la) publicit[ée])?",
        r"(?:el art[íi]culo|la noticia) (?:contin[úu]a|sigue) (?:despu[ée]s|tras|debajo) (?:del|de la|el|la) (?:anuncio|publicidad)",
        r"(?:contin[úu]a|sigue) leyendo (?:debajo|despu[ée]s del anuncio|tras (?:el anuncio|la publicidad))",
        r"contin[úu]a (?:despu[ée]s de|tras) (?:la publicidad|el anuncio)",
        r"(?:lire|voir) la suite (?:apr[èe]s|sous) (?:la|cette) publicit[ée]", r"continua (?:ap[óo]s a|depois da) publicidade",
        r"continua (?:dopo|sotto) la pubblicit[àa]", r"(?:lees )?verder (?:na|onder) de advertentie",
        r"l'articolo continua (?:sotto|dopo la pubblicit[àa])",
    ), max_words=14),
    # --- share widgets are handled by vocabulary in stage.py (any order, any mix) --
    # --- related-story counters and headers ----------------------------------------
    LineRule("source_counter", "related_counter", _rx(
        r"(?:(?:view|see|show|read|voir|ver|alle|todos los|tous les)(?: all| les| los)? )?"
        r"\d{1,5} ?(?:related |more |similar |other |weitere |autres |m[áa]s )?(?:sources?|quellen|fuentes|fonti|fontes|comments?|kommentare?|commentaires?|comentarios?|"
        r"commenti|coment[áa]rios|reacties|replies|reactions?|reaktionen|r[ée]actions|reacciones|shares?|views?|articles?|"
        r"stories|artikel|art[íi]culos|articoli|notes|votes|likes?)(?: anzeigen| ansehen| zeigen| voir| ver| mostrar| show| tonen)?",
    ), max_words=5),
    LineRule("comment_count", "related_counter", _rx(
        r"(?:comments?|kommentare?|commentaires?|comentarios?|commenti|reacties|replies|r[ée]actions)\s?[(\[]\d{1,6}[)\]]",
    ), max_words=3),
    LineRule("related_header", "related_header", _rx(
        r"(?:similar|related|recommended|more|other|latest|top|trending|popular|suggested|further|recent) "
        r"(?:articles|stories|news|posts|reads|reading|coverage|content|videos|links|headlines)",
        r"related(?: content| coverage| topics| links| reading)?", r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)",
        r"more from .{1,40}", r"more (?:on|about) (?:this|that) (?:story|topic)", r"(?:read|watch) next",
        r"see also", r"recommended(?: for you)?", r"(?:what|who) to read next", r"in other news",
        r"(?:[àa] lire|lire) (?:aussi|[ée]galement|ensuite)", r"sur le m[êe]me (?:sujet|th[èe]me)", r"articles (?:similaires|li[ée]s|connexes)",
        r"dans la m[êe]me rubrique", r"vous aimerez (?:aussi|[ée]galement)", r"nos articles li[ée]s", r"(?:voir|lisez) aussi",
        r"das k[öo]nnte (?:sie|dich) auch interessieren", r"mehr zum thema(?: .{1,40})?", r"(?:lesen sie|lies) auch",
        r"(?:[äa]hnliche|weitere|verwandte|empfohlene) (?:artikel|beitr[äa]ge|themen|nachrichten)", r"auch interessant",
        r"(?:tambi[ée]n )?te puede interesar", r"(?:noticias|art[íi]culos|contenidos) (?:relacionad[oa]s|similares)",
        r"lee (?:tambi[ée]n|m[áa]s)", r"m[áa]s noticias", r"te recomendamos", r"leggi anche", r"articoli correlati",
        r"most (?:read|popular|viewed|shared|commented)(?: (?:today|this week|now|stories|articles|on .{1,30}))?",
        r"les plus (?:lus|partag[ée]s|comment[ée]s)", r"meistgelesen(?:e artikel)?", r"am meisten gelesen",
        r"lo m[áa]s (?:le[íi]do|visto|compartido)", r"i pi[ùu] letti", r"mais lidas",
        r"leia tamb[ée]m", r"not[íi]cias relacionadas", r"mat[ée]rias relacionadas",
    ), max_words=8),
    # --- polls ----------------------------------------------------------------------
    LineRule("poll_header", "poll", _rx(
        r"(?:reader(?:s['’]?)?|quick|daily|weekly|our|today['’]?s|live|online) poll", r"poll(?: of the day)?",
        r"take (?:our|the|this) (?:quick )?(?:poll|survey|quiz)", r"vote now", r"cast your vote", r"have your say",
        r"(?:leser)?umfrage(?: des tages)?", r"abstimmung", r"stimmen sie (?:jetzt )?ab", r"jetzt abstimmen",
        r"sondage(?: du jour)?", r"votez(?: maintenant)?", r"(?:notre|le) sondage", r"encuesta(?: del d[íi]a)?",
        r"vota(?: ahora| aqu[íi])?", r"participa en (?:la|nuestra) encuesta", r"sondaggio", r"enquete|enquête",
    ), max_words=6),
    LineRule("poll_loading", "poll", _rx(
        r"(?:connecting to|loading(?: the)?) (?:poll|survey|results)", r"(?:poll|survey) (?:is )?loading",
        r"(?:view|see|show) (?:the )?results", r"vote to see (?:the )?results", r"cast your vote(?: below| here| now)?",
        r"(?:vote|votez|vota|votar|abstimmen|stimmen sie ab|stem)(?: \w+){0,3} (?:results|r[ée]sultats|resultados|"
        r"ergebnis(?:se)?|risultati|uitslag|resultaten)(?: \w+){0,2}", r"(?:total )?votes?: ?[\d,.]+", r"(?:total )?votes?: ?\d+",
        r"\d+ votes?", r"umfrage wird geladen", r"ergebnis(?:se)? (?:anzeigen|ansehen)", r"chargement du sondage(?: en cours)?",
        r"voir les r[ée]sultats", r"cargando(?: la)? encuesta", r"ver (?:los )?resultados",
    ), max_words=6),
    # --- cache banners ----------------------------------------------------------------
    LineRule("cache_banner", "cache_banner", _rx(
        r"view (?:the )?cached(?: full text| version| copy| page| text)?", r"(?:show|view) (?:the )?(?:full )?cached text",
        r"cached (?:at|on|version|copy|page|snapshot)(?: ?:)? ?.{0,40}", r"cached:? .{1,40}",
        r"this is (?:a|the) cached (?:copy|version|snapshot) of .{1,120}",
        r"this is (?:[\w ]{1,20}['’]s )?cache of .{1,300}", r"(?:text[- ]only|full[- ]text|plain[- ]text) version",
        r"(?:archived|snapshot|captured) (?:from|at|on) .{1,60}", r"(?:view )?archived (?:copy|version)",
        r"(?:version|copie) (?:en|mise en) cache(?: du .{1,40})?", r"voir la version en cache", r"mis en cache le .{1,40}",
        r"(?:im )?cache gespeichert(?: am .{1,40})?", r"im cache gespeicherte (?:version|kopie|seite)", r"zwischengespeicherte (?:version|kopie)(?: anzeigen| vom .{1,40})?",
        r"(?:ver )?(?:la )?(?:versi[óo]n|copia) (?:en )?cach[ée](?: del? .{1,40})?", r"guardad[oa] en cach[ée] (?:el )?.{1,40}",
    ), max_words=45),
    # --- photo credits --------------------------------------------------------------------
    LineRule("credit_label", "photo_credit", _rx(
        r"(?:photo|photograph|photos|image|images|picture|pictures|credit|credits|photo credits?|image credits?|"
        r"image source|illustration|foto|fotos|bild|bilder|bildquelle|fotoquelle|cr[ée]dits?(?: photos?)?|"
        r"imagen|im[áa]genes|fotograf[íi]a|cr[ée]ditos?(?: (?:de )?(?:la )?foto)?|copyright foto|titelbild|"
        r"header image|top image|lead image|featured image|source image|video|vid[ée]o)\s*(?:[:©|]|by |de |von |par |por |courtesy(?: of)? |copyright )\s*.{1,80}",
    ), max_words=14, sentence_ok=False),
    LineRule("credit_byline", "photo_credit", _rx(
        r"\(?(?:photo|image|foto|picture|photograph|bild|imagen)s? (?:by|courtesy of|credit|von|par|por|de|via) .{1,80}\)?",
        r"\(?(?:ap|afp|reuters|epa|dpa|efe|ansa) (?:photo|foto|photos|images|pool)(?:[/,]| by)?.{0,60}\)?",
    ), max_words=14, sentence_ok=False),
    LineRule("credit_agency", "photo_credit", _rx(
        # "Saul Loeb/AFP/Getty Images", "John Smith / Reuters", "AFP via Getty Images"
        r"\(?[^.!?]{0,60}(?:/| via |, ?)\s?(?:" + _AGENCIES + r")(?:\s?/\s?[^.!?/]{2,30})?\)?",
        r"\(?(?:" + _AGENCIES + r")(?: via (?:" + _AGENCIES + r"))?(?:/[^.!?/]{2,30})?\)?",
    ), max_words=10, sentence_ok=False),
    # --- footers ----------------------------------------------------------------------------
    LineRule("copyright", "footer", _rx(
        r"(?:©|\(c\)|℗)\s*.{0,160}", r"copyright(?: ©| \(c\))? (?:19|20)\d\d.{0,300}", r"copyright ?©.{0,120}",
        r"[^\"“”«„]{0,80}(?:©|\(c\) ?(?:19|20)\d\d|copyright (?:19|20)\d\d).{0,80}",
        r"do not sell(?: or share)? my (?:personal )?info(?:rmation)?",
        # A quote before the phrase means prose citing it: 'carried the words "All rights reserved"'.
        r"[^\"“”«„]{0,100}\b(?:all rights reserved|alle rechte vorbehalten|tous droits r[ée]serv[ée]s|droits r[ée]serv[ée]s|"
        r"todos los derechos reservados|tutti i diritti riservati|todos os direitos reservados)\b.{0,60}",
    ), max_words=25),
    # Case-sensitive after the keyword: "Copyright Example Media" is a footer, "Copyright law is changing" a heading.
    LineRule("copyright_owner", "footer", re.compile(r"(?i:copyright)(?: (?i:by|of))? (?:[A-Z0-9][\w&.,'’-]*(?: |$)){1,6}"),
             max_words=10, sentence_ok=False),
    LineRule("legal_links", "footer", _rx(
        r"(?:(?:terms(?: of (?:use|service))?|terms (?:&|and) conditions|privacy(?: policy| notice| settings)?|"
        r"cookie(?:s| policy| settings| preferences)?|(?:gestion|param[èe]tres) des cookies|cookie-einstellungen|"
        r"(?:configuraci[óo]n|preferencias) de cookies|impressum|datenschutz(?:erkl[äa]rung)?|agb|nutzungsbedingungen|"
        r"mentions l[ée]gales|politique de confidentialit[ée]|conditions g[ée]n[ée]rales(?: d'utilisation)?|cgu|"
        r"aviso legal|pol[íi]tica de (?:privacidad|cookies)|t[ée]rminos y condiciones|contact(?: us)?|about(?: us)?|"
        r"sitemap|accessibility|advertise(?: with us)?|careers|kontakt|[üu]ber uns|nous contacter|qui sommes-nous|"
        r"contacto|contatti|qui[ée]nes somos|privacidad|privacit[àa]|privacidade|confidentialit[ée]|do not sell my (?:personal )?info(?:rmation)?|your privacy choices)"
        r"(?:\s*[|•·/,–—-]\s*|\s+(?=\S)|$)){2,}",
    ), max_words=20),
    LineRule("cookie_banner", "footer", _rx(
        r"(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b.{0,300}", r"(?:nous utilisons|ce site utilise) des cookies\b.{0,300}",
        r"(?:wir verwenden|diese (?:web)?seite verwendet|wir nutzen) cookies\b.{0,300}",
        r"(?:utilizamos|usamos|este sitio (?:web )?utiliza) cookies\b.{0,300}",
        r"(?:accept|allow|reject|manage)(?: all)? cookies", r"(?:cookie|privacy) (?:settings|preferences|consent)",
        r"(?:alle )?(?:cookies )?(?:akzeptieren|ablehnen)", r"tout (?:accepter|refuser)", r"(?:aceptar|rechazar) (?:todas|todo|cookies)",
    ), max_words=60),
    LineRule("navigation", "navigation", _rx(
        r"(?:back|return|go) to (?:the )?top", r"zur[üu]ck nach oben", r"nach oben", r"retour en haut(?: de (?:la )?page)?",
        r"(?:volver|ir) arriba", r"torna su", r"skip to (?:main )?(?:content|navigation)", r"zum inhalt springen",
        r"aller au contenu(?: principal)?", r"ir al contenido(?: principal)?", r"(?:log ?in|sign in|sign out|log ?out|register)",
        r"(?:anmelden|abmelden|se connecter|connexion|iniciar sesi[óo]n|acceder)", r"(?:main )?menu", r"men[üu]", r"search",
        r"suche", r"rechercher", r"buscar", r"loading", r"chargement(?: en cours)?", r"wird geladen", r"cargando", r"close", r"schlie[ßs]en",
        r"fermer", r"cerrar", r"(?:open|toggle) (?:menu|navigation)", r"home",
    ), max_words=4),
    LineRule("media_widget", "media_widget", _rx(
        r"listen to (?:this|the) (?:article|story)(?: \d+ ?min(?:utes?)?)?", r"(?:[ée]couter|[ée]coutez) (?:cet |l['’])article",
        r"(?:artikel|beitrag) (?:anh[öo]ren|vorlesen lassen)", r"escuchar? (?:este|el) art[íi]culo", r"ascolta l['’]articolo",
        r"(?:play|watch|replay) (?:the )?(?:video|clip)", r"(?:video|audio) (?:player|transcript)", r"(?:vid[ée]o|audio) ?: ?.{0,40}",
        r"this (?:video|audio|content) (?:is not available|cannot be played|requires javascript).{0,80}",
        r"(?:please )?enable javascript.{0,80}", r"your browser does not support.{0,80}",
    ), max_words=14),
    # --- calls to action ------------------------------------------------------------------------
    LineRule("visit_homepage", "cta", _rx(
        r"visit .{1,60} (?:homepage|home page|website|site|page) for more(?: stories| news| articles| information)?",
        r"(?:for more (?:stories|news|articles)|more stories),? visit .{1,60}",
        r"visit the (?:source|original (?:site|article|source)|publisher)(?: .{0,60})?",
    ), max_words=15),
    LineRule("read_original", "cta", _rx(
        r"read (?:the )?(?:original|full|complete|whole|entire|rest of the) (?:article|story|report|post|piece|text)(?: (?:here|at|on|in) .{1,60})?",
        r"read (?:the )?(?:article|story|more|it|this) (?:at|on) .{1,60}", r"(?:continue|keep) reading(?: (?:at|on) .{1,60})?",
        r"click here(?: (?:to|for) .{1,80})?", r"(?:go|back|return) to (?:the )?home ?page", r"(?:read|see|view|show|load) more", r"(?:go|jump) to (?:the )?(?:original|source)(?: article| story)?",
        r"original (?:source|article|story|post|link)", r"source link", r"link to (?:the )?(?:source|original)",
        r"lien (?:vers la |vers l['’]article )?(?:source|original)", r"(?:zur )?quelle(?:nlink)?", r"(?:enlace a la )?fuente original", r"(?:view|see) (?:the )?(?:original|source)(?: article| story| post)?",
        r"this (?:article|story|post|piece) (?:was |is |has been )?(?:originally |first )?(?:published|appeared|posted|syndicated|republished) "
        r"(?:on|in|by|at|with permission from) .{1,80}",
        r"(?:source|sources|via|quelle|quellen|fuente|fuentes|fonte|source originale)\s?: ?"
        r"(?-i:(?:(?:[A-Z0-9@][\w.&'’-]*|and|und|et|y|e|of|de|der|des|du|la|le|el|the|[,/;&|])\s?){1,8})",
        r"(?:\(?(?:with|avec|mit material von|mit material der|con informaci[óo]n de|con|com) (?:" + _AGENCIES + r"|agences?|agencias)\)?)",
        r"(?:(?:additional )?reporting|writing|editing|compiled|translated|fact-checking)(?: by)? [^.]{1,80}(?:; ?(?:(?:additional )?reporting|writing|editing|compiled|translated)(?: by)? [^.]{1,80})*",
        r"(?:lire|voir) (?:l'article|la suite|plus|l'int[ée]gralit[ée])(?: (?:original|complet|de l'article))?(?: sur .{1,60})?",
        r"(?:lire|voir) l'article (?:original|complet|source)", r"acc[ée]der [àa] l'article(?: original| complet)?",
        r"weiterlesen(?: (?:auf|bei) .{1,60})?", r"(?:hier |jetzt )?(?:weiterlesen|mehr lesen|mehr erfahren)",
        r"(?:zum|den) (?:original|vollst[äa]ndigen )?artikel(?: lesen| auf .{1,60})?", r"(?:zur|die) (?:originalquelle|quelle)",
        r"mehr (?:dazu|lesen|erfahren) (?:auf|bei|unter) .{1,60}", r"den ganzen artikel lesen(?: auf .{1,60})?",
        r"leer (?:m[áa]s|el art[íi]culo(?: original| completo)?|la noticia(?: original| completa)?)(?: en .{1,60})?",
        r"(?:seguir|sigue|contin[úu]a) leyendo(?: en .{1,60})?", r"ver (?:m[áa]s|(?:el )?art[íi]culo original|(?:la )?noticia original)",
        r"lee (?:m[áa]s|la noticia|el art[íi]culo)(?: completa| completo| original)?(?: en .{1,60})?",
        r"leggi (?:tutto|l'articolo(?: originale| completo)?|di pi[ùu])(?: su .{1,60})?",
        r"lees (?:het )?(?:volledige |hele )?(?:artikel|verhaal|meer)(?: op .{1,60})?", r"lees verder(?: op .{1,60})?",
        r"leia (?:mais|a mat[ée]ria(?: completa)?|o artigo(?: completo| original)?)(?: (?:no|em|na) .{1,60})?",
    ), max_words=18),
    # --- closing reader questions: only at the end of a document (see stage.py) --------------
    LineRule("reader_question", "reader_question", _rx_sentences(
        r"what do you think(?: about (?:this|it))?", r"where do you stand(?: on (?:this|the issue))?",
        r"vous avez une (?:opinion|avis)(?: sur (?:le|ce) sujet)?", r"exprimez-vous.{0,60}", r"what are your thoughts(?: on (?:this|the matter))?", r"what['’]s your (?:take|view|opinion)",
        r"(?:let us know|tell us|share your (?:thoughts|views|opinions?)|leave (?:us )?a comment|join the (?:conversation|discussion)|comment below)"
        r"(?: (?:what you think|your (?:thoughts|views|opinions?)|(?:in|on|below|via|at) the comments?(?: (?:section|below))?|below|here|in the comments? (?:section )?below))*",
        r"(?:et vous,? )?qu['’]en pensez-vous", r"quel(?:le)? est votre (?:avis|opinion)(?: sur (?:le|ce) sujet| sur la question)?",
        r"donnez(?:-nous)? votre avis.{0,60}", r"dites-nous .{0,60}", r"r[ée]agissez.{0,60}", r"partagez votre avis.{0,60}",
        r"(?:und )?was (?:denken|meinen|halten) sie(?: davon| dazu)?", r"wie (?:sehen|finden) sie das", r"ihre meinung(?: ist gefragt| z[äa]hlt)?",
        r"(?:schreiben sie|diskutieren sie|sagen sie) (?:uns )?.{0,60}(?:kommentar|meinung|mit).{0,30}",
        r"¿?(?:y )?(?:t[úu] )?qu[ée] (?:opinas|opina usted|piensas|piensa usted|te parece|le parece)(?: t[úu])?(?: (?:de|sobre) (?:esto|este tema))?",
        r"¿?cu[áa]l es (?:tu|su) opini[óo]n.{0,40}", r"d[ée]janos (?:tu|su) (?:opini[óo]n|comentario).{0,60}", r"cu[ée]ntanos(?:lo)?.{0,60}", r"wat vind (?:jij|u) (?:ervan|hiervan)", r"laat (?:het )?(?:ons )?weten.{0,60}",
        r"tu (?:che|cosa) ne pensi", r"e voc[êe],? o que acha",
    ), max_words=20, tail_only=True),
    LineRule("author_bio", "footer", _rx(
        r"[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3} (?:is|was|has been|est|ist|es) (?:a|an|the|un|une|ein|eine|una?) "
        r"(?:[\w-]+ ){0,5}(?:writer|reporter|journalist|correspondent|editor|contributor|columnist|author|producer|"
        r"intern|journaliste|r[ée]dact(?:eur|rice)|korrespondent(?:in)?|redakteur(?:in)?|autor(?:in)?|periodista|"
        r"redactor(?:a)?|corresponsal)\b.{0,400}",
    ), max_words=80, tail_only=True),
    # --- newsletter and follow prompts ---------------------------------------------------------
    LineRule("newsletter", "newsletter", _rx(
        r"(?:sign up|subscribe|register|join|opt in|get)(?: now| today| here| free)? (?:for|to) .{0,100}"
        r"(?:newsletter|inbox|updates|alerts|e-?mails?|digest|briefing|bulletin|podcast|channel|notifications)\b.{0,40}",
        r"(?:sign up|subscribe|subscribe now|sign up now|register now|join now)",
        r"(?:subscribe|sign up|register|log ?in|sign in|upgrade) (?:to|for|with) .{1,60} to (?:bookmark|read|continue|access|"
        r"unlock|save|comment|get|receive|keep reading|enjoy) .{0,60}",
        r"(?:follow|like|find|join|connect with) (?:us|@\w+|(?-i:[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2})) on (?:twitter|x|facebook|instagram|linkedin|tiktok|youtube|"
        r"threads|bluesky|mastodon|google news|telegram|whatsapp|flipboard|apple news).{0,60}",
        r"get (?:the latest|our|breaking|the best|the top|daily|the day['’]s) .{0,80} (?:delivered )?(?:to|in) your inbox.{0,40}",
        r"(?:don['’]t|never) miss (?:a|an|the|another|out on) (?:story|update|thing|headline|beat).{0,60}",
        r"(?:our |free )?(?:daily |weekly |morning |evening )?(?:newsletter|briefing|digest)s?(?: sign[- ]?up)?",
        r"enter your e-?mail(?: address)?.{0,60}", r"download (?:our|the) (?:free )?app.{0,60}",
        r"(?:abonnez|inscrivez|abonne|inscris)[- ](?:vous|toi)(?: (?:à|a|sur) (?:notre|nos|la|les|l['’]) ?(?:newsletter|lettre|infolettre|alertes?|cha[îi]ne|fil|compte|abonnement|notifications|newsletters).{0,80})?",
        r"suivez[- ]nous(?: sur .{1,60})?", r"rejoignez[- ]nous(?: sur .{1,60})?",
        r"recevez .{0,40}(?:l['’]essentiel|newsletter|actualit[ée]|alertes|notifications|infos?\b).{0,60}",
        r"(?:by (?:signing up|subscribing|registering|clicking[^,]{1,30}),? you (?:agree|consent|acknowledge)|"
        r"en vous (?:inscrivant|abonnant),? vous acceptez|mit (?:der|ihrer) anmeldung (?:akzeptieren|stimmen) sie|"
        r"al (?:suscribirte|suscribirse|registrarte),? (?:aceptas|acepta)).{0,120}",
        r"(?:join|rejoignez|[úu]nete a|treten sie) (?:our|us on|notre|nuestro|nuestra|unserem|unserer) .{0,40}"
        r"(?:channel|cha[îi]ne|canal|kanal|group|groupe|grupo|gruppe|community|communaut[ée]|comunidad|newsletter).{0,30}", r"(?:notre )?newsletter(?: quotidienne| hebdomadaire)?",
        r"(?:folgen sie|folgt) uns(?: auf .{1,60})?", r"abonnieren sie (?:unseren|den|unsere) .{0,60}",
        r"melden sie sich .{0,40}(?:newsletter|f[üu]r unsere?n? ).{0,40} an.{0,40}",
        r"(?:jetzt |hier )?(?:newsletter )?(?:abonnieren|anmelden|registrieren)(?: .{0,40})?",
        r"(?:suscr[íi]be(?:te|se)|ap[úu]ntate|reg[íi]strate)(?: (?:a|en|gratis a) (?:nuestro|nuestra|nuestros|nuestras|el|la) "
        r"(?:newsletter|bolet[íi]n|canal|lista|alertas|resumen).{0,60})?",
        r"s[íi]guenos(?: en .{1,60})?", r"sigue a .{1,40} en " + r"(?:twitter|x|facebook|instagram|linkedin|tiktok|youtube|threads|bluesky|whatsapp|telegram)\b.{0,30}",
        r"follow us", r"(?:folgen sie uns|suivez-nous|s[íi]guenos|seguici)",
        r"rec[íi]be .{0,80}(?:correo|email|e-mail|bandeja|whatsapp|newsletter|bolet[íi]n).{0,30}",
        r"(?:iscriviti|seguici|assine|siga-nos|inscreva-se)(?: (?:a|alla|al|na|no|em|sul|su) .{1,60})?",
        r"(?:schrijf je in|abonneer (?:je|u)|meld je aan|volg ons)\b.{0,100}",
    ), max_words=30),
    # --- curation headers ---------------------------------------------------------------------------
    LineRule("curation_header", "curation_header", _rx(
        r"(?:curated|compiled|selected|summari[sz]ed|aggregated|collected|powered) by [^,.;:]{1,40}",
        r"(?:ai[- ])?(?:generated )?summary(?: (?:by|from) (?:ai|gpt.{0,10}))?", r"ai[- ]generated(?: summary| content)?",
        r"(?:zusammenfassung|r[ée]sum[ée]|resumen|riassunto|resumo)(?: (?:by|par|von|por|de|da|generad[oa] por) (?:ai|ia|ki|der ki|l['’]ia|la ia))?",
        r"(?:kuratiert|zusammengestellt|ausgew[äa]hlt) von .{1,40}",
        r"(?:r[ée]sum[ée]|summary|zusammenfassung|resumen|riassunto) (?:g[ée]n[ée]r[ée]|generated|generiert|generado|generato) "
        r"(?:par|by|von|por|durch|da|mit|with) (?:l['’]|la |der |an )?(?:ia|ai|ki)",
        r"(?:key points|highlights|takeaways|points? cl[ée]s?|das wichtigste|puntos clave|punti chiave)(?: (?:were |wurden )?"
        r"(?:generated|g[ée]n[ée]r[ée]s?|generiert|generados|generati) (?:by|par|von|por|da|durch|mit) (?:l['’]|la |der )?(?:ai|ia|ki))",
        r"(?:this|diese[rs]?|ce|cet|este|esta|questo) (?:summary|zusammenfassung|text|artikel|r[ée]sum[ée]|resumen|riassunto|article|texte)"
        r"\b.{0,50}\b(?:ai|ki|ia|artificial intelligence|k[üu]nstliche[rn]? intelligenz|intelligence artificielle)\b.{0,40}",
        r"(?:ki|ai|ia)[- ]?(?:generierte|generated|g[ée]n[ée]r[ée]e?|generad[oa])? ?(?:zusammenfassung|summary|r[ée]sum[ée]|resumen)",
        r"(?:this |ce |dieser? |este )?(?:summary|article|story|text|content|r[ée]sum[ée]|zusammenfassung|resumen|texte|artikel|texto)\b"
        r".{0,30}\b(?:generated|generiert|g[ée]n[ée]r[ée]e?|generad[oa]|erstellt|cr[ée][ée]e?|written|produced)"
        r" (?:by|with|using|par|von|mit|por|con|avec|à l['’]aide de) (?:an? |l['’]|la |der |einer )?(?:ai|ia|ki|artificial intelligence|intelligence artificielle|k[üu]nstliche[rn]? intelligenz|inteligencia artificial)\b.{0,80}", r"(?:s[ée]lectionn[ée]|cur[ée]|compil[ée])s? par .{1,40}",
        r"(?:curado|seleccionado|recopilado)s? por .{1,40}", r"\[\d{1,3}\]", r"sources? \d{1,3}", r"(?:key )?sources",
    ), max_words=25),
)

# Share widgets: a short line made only of these words ("Share", "Share on X | Copy link",
# "Teilen · Drucken"). A word outside the set means a sentence, which stays.
SHARE_CORE = frozenset("""
share shares sharing shared partager partagez partage teilen geteilt compartir comparte compartido condividi
partilhar compartilhar copy copied copier copiar copia kopieren kopiert tweet retweet email e-mail mail mailen
print imprimer drucken imprimir stampa facebook twitter x linkedin whatsapp telegram reddit pinterest flipboard
messenger threads bluesky tumblr pocket xing mastodon sms envoyer enviar senden gift save bookmark merken
versenden verschicken send condividere condividi compartilhe deel delen pin
""".split())
SHARE_FILLER = frozenset("""
this the article story post page on via to link url link! links lien le la cet cette par sur en el este esta por
por correo correo-electrónico electrónico artikel diesen den per auf beitrag enlace artículo noticia in a an
with your friends amis freunden amigos facebook copiado link copied! to clipboard presse-papiers zwischenablage
icon button buttons opens in new window tab fenster it friend friends ami amie amigo amiga freund
un una à su no na op via
""".split())

# Timestamps: a short line made only of these words and numbers is a date, a time or a reading time.
TIME_WORDS = frozenset("""
mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday
jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september
october november december am pm a.m p.m utc gmt cet cest est edt pst pdt bst ist jst on at the of updated
published posted last modified edited date time uhr um am stand aktualisiert veröffentlicht montag dienstag
mittwoch donnerstag freitag samstag sonntag januar jänner februar märz mai juni juli oktober dezember
lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril juin juillet août aout
septembre octobre novembre décembre decembre le à a h publié publie mis jour modifié lunes martes miércoles
miercoles jueves viernes sábado sabado domingo enero febrero marzo abril mayo junio julio agosto septiembre
setiembre octubre noviembre diciembre de del el las los actualizado publicado hrs hs hace ago il y vor seit
gennaio febbraio marzo aprile maggio giugno luglio settembre ottobre novembre dicembre lunedì martedì mercoledì
giovedì venerdì sabato aggiornato pubblicato alle ore fa janeiro fevereiro março abril maio junho julho setembro
outubro novembro dezembro segunda terça quarta quinta sexta atualizado há às januari februari maart mei augustus
bijgewerkt gepubliceerd om uur geleden leestijd minuten maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
min mins minute minutes minuten minuto minutos read reading lesezeit lecture lectura tiempo temps tempo di
lettura leitura sec secs seconds second hour hours hr stunde stunden heure heures hora horas day days tag tage
tagen jour jours día días dia dias week weeks woche wochen semaine semaines semana semanas just now gerade
eben à l'instant ahora mismo today yesterday heute gestern aujourd'hui hier hoy ayer et and y und by ct mt pt
mez mesz cst cdt mst mdt aest hkt sgt
""".split())
# Words that only a date, a time or a reading time has (not "day", "week", "on", "the").
STRONG_TIME_WORDS = frozenset(w for w in TIME_WORDS if w not in frozenset("""
on at the of day days week weeks tag tage tagen jour jours día días dia dias semaine semaines semana semanas woche
wochen de del el las los le à a h et and y und by il y hour hours hr heure heures hora horas stunde stunden second
seconds sec secs minute minutes minuten minuto minutos min mins time date just now today yesterday heute gestern hier
hoy ayer ore alle om uur fa há às tempo di
""".split()))
_CLOCK_RE = re.compile(r"\b\d{1,2}[:h.]\d{2}\b")
_NUMERIC_DATE_RE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b")
_TIME_TOKEN_RE = re.compile(r"a\.m|p\.m|\d+|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


TAIL_ONLY = frozenset(r.name for r in RULES if r.tail_only)
_MAX_RULE_WORDS = max(max(r.max_words for r in RULES), 16)


def match_line(text: str, words: int) -> tuple[str, str] | None:
    """The (category, rule) of a furniture line, or None for a line that is not one on its own."""
    if words > _MAX_RULE_WORDS:
        return None  # a paragraph: longer than any furniture line a rule allows
    key = line_key(text)
    if not key:
        return None
    sentence = _SENTENCE_END_RE.search(text.rstrip()) is not None
    for rule in RULES:
        if sentence and not rule.sentence_ok:
            continue
        if words <= rule.max_words and rule.pattern.fullmatch(key):
            return rule.category, rule.name
    if words <= 16 and is_share_widget(key):
        return "share_widget", "share_words"
    if words <= 14 and is_timestamp(key):
        return "timestamp", "date_time_words"
    return None


def is_share_widget(key: str) -> bool:
    parts = re.findall(r"[\w'’\-!]+", key.casefold())
    if not parts or not any(p in SHARE_CORE for p in parts):
        return False
    return all(p in SHARE_CORE or p in SHARE_FILLER for p in parts)


def is_timestamp(key: str) -> bool:
    """Only date, time and reading-time words and numbers, with at least one word or
    clock time that only a date has: "2019", "Day 3" and "The 100" are headings."""
    lowered = key.casefold()
    parts = _TIME_TOKEN_RE.findall(lowered)
    if not parts or not any(p.isdigit() for p in parts):
        return False
    if not all(p.isdigit() or p in TIME_WORDS for p in parts):
        return False
    return bool(_CLOCK_RE.search(lowered) or _NUMERIC_DATE_RE.search(lowered)) or any(p in STRONG_TIME_WORDS for p in parts)
