"""Every text a client sees (survey page, thank-you page, error pages, e-mail), in one place.

Add a language by adding one dictionary with the same keys; `test_texts` checks that
every language has every key.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "expired_short": "The survey link has expired. If you would still like to answer, please ask us for a new link.",
        "title": "A quick question about {project}",
        "intro": "Thank you for working with us, {name}. Your answer takes a few seconds and helps us improve.",
        "question": "How likely are you to recommend us to a friend or colleague?",
        "scale_hint": "0 means not at all likely, 10 means extremely likely.",
        "scale_low": "Not at all likely",
        "scale_high": "Extremely likely",
        "comment_label": "What is the main reason for your score? (optional)",
        "submit": "Send my answer",
        "update_note": "You already answered ({score}). You can change your answer until {until}.",
        "thanks_title": "Thank you!",
        "thanks_body": "We have your answer. Thank you for taking the time, it helps us a lot.",
        "thanks_update": "You can change your answer through the same link until {until}.",
        "error_score": "Please choose a score from 0 to 10.",
        "error_comment": "The comment is too long: at most {limit} characters, please.",
        "error_form": "Your answer was not saved: {reason}",
        "invalid_title": "This link does not work",
        "invalid_body": "The survey link is not valid. Please open it exactly as you received it, or ask us for a new one.",
        "notfound_title": "Survey not found",
        "notfound_body": "We could not find this survey. Please ask us for a new link.",
        "expired_title": "This survey has expired",
        "expired_body": "The link was valid until {until}. If you would still like to answer, please ask us for a new link.",
        "closed_title": "This survey is closed",
        "closed_body": "Thank you, we already have your answer. It could be changed until {until}.",
        "footer": "Your answer goes only to our team.",
        "email_subject": "How did we do on {project}?",
        "email_greeting": "Hi {name},",
        "email_body": "Thank you for working with us on {project}. Would you take a few seconds to tell us how likely you are to recommend us to a friend or colleague?",
        "email_cta": "Answer the survey",
        "email_expiry": "The link works until {until}.",
        "email_signoff": "Thank you!",
        "category_promoter": "promoter",
        "category_passive": "passive",
        "category_detractor": "detractor",
    },
    "es": {
        "expired_short": "El enlace de la encuesta ha caducado. Si aún desea responder, pídanos un enlace nuevo.",
        "title": "Una pregunta rápida sobre {project}",
        "intro": "Gracias por trabajar con nosotros, {name}. Responder lleva unos segundos y nos ayuda a mejorar.",
        "question": "¿Qué probabilidad hay de que nos recomiende a un amigo o colega?",
        "scale_hint": "0 significa nada probable, 10 significa muy probable.",
        "scale_low": "Nada probable",
        "scale_high": "Muy probable",
        "comment_label": "¿Cuál es el motivo principal de su puntuación? (opcional)",
        "submit": "Enviar mi respuesta",
        "update_note": "Ya respondió ({score}). Puede cambiar su respuesta hasta el {until}.",
        "thanks_title": "¡Gracias!",
        "thanks_body": "Hemos recibido su respuesta. Gracias por su tiempo, nos ayuda mucho.",
        "thanks_update": "Puede cambiar su respuesta con el mismo enlace hasta el {until}.",
        "error_score": "Elija una puntuación de 0 a 10.",
        "error_comment": "El comentario es demasiado largo: como máximo {limit} caracteres, por favor.",
        "error_form": "Su respuesta no se guardó: {reason}",
        "invalid_title": "Este enlace no funciona",
        "invalid_body": "El enlace de la encuesta no es válido. Ábralo tal como lo recibió o pídanos uno nuevo.",
        "notfound_title": "Encuesta no encontrada",
        "notfound_body": "No encontramos esta encuesta. Pídanos un enlace nuevo.",
        "expired_title": "Esta encuesta ha caducado",
        "expired_body": "El enlace era válido hasta el {until}. Si aún desea responder, pídanos un enlace nuevo.",
        "closed_title": "Esta encuesta está cerrada",
        "closed_body": "Gracias, ya tenemos su respuesta. Podía cambiarse hasta el {until}.",
        "footer": "Su respuesta llega solo a nuestro equipo.",
        "email_subject": "¿Qué tal lo hicimos en {project}?",
        "email_greeting": "Hola, {name}:",
        "email_body": "Gracias por trabajar con nosotros en {project}. ¿Nos dedica unos segundos para decirnos qué probabilidad hay de que nos recomiende a un amigo o colega?",
        "email_cta": "Responder la encuesta",
        "email_expiry": "El enlace funciona hasta el {until}.",
        "email_signoff": "¡Gracias!",
        "category_promoter": "promotor",
        "category_passive": "pasivo",
        "category_detractor": "detractor",
    },
    "de": {
        "expired_short": "Der Umfragelink ist abgelaufen. Wenn Sie noch antworten möchten, fragen Sie uns bitte nach einem neuen Link.",
        "title": "Eine kurze Frage zu {project}",
        "intro": "Danke für die Zusammenarbeit, {name}. Die Antwort dauert nur Sekunden und hilft uns, besser zu werden.",
        "question": "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?",
        "scale_hint": "0 bedeutet überhaupt nicht wahrscheinlich, 10 bedeutet äußerst wahrscheinlich.",
        "scale_low": "Überhaupt nicht wahrscheinlich",
        "scale_high": "Äußerst wahrscheinlich",
        "comment_label": "Was ist der wichtigste Grund für Ihre Bewertung? (optional)",
        "submit": "Antwort senden",
        "update_note": "Sie haben bereits geantwortet ({score}). Sie können Ihre Antwort bis {until} ändern.",
        "thanks_title": "Vielen Dank!",
        "thanks_body": "Wir haben Ihre Antwort erhalten. Danke, dass Sie sich die Zeit genommen haben.",
        "thanks_update": "Über denselben Link können Sie Ihre Antwort bis {until} ändern.",
        "error_score": "Bitte wählen Sie eine Bewertung von 0 bis 10.",
        "error_comment": "Der Kommentar ist zu lang: höchstens {limit} Zeichen, bitte.",
        "error_form": "Ihre Antwort wurde nicht gespeichert: {reason}",
        "invalid_title": "Dieser Link funktioniert nicht",
        "invalid_body": "Der Umfragelink ist ungültig. Bitte öffnen Sie ihn genau so, wie Sie ihn erhalten haben, oder fragen Sie uns nach einem neuen.",
        "notfound_title": "Umfrage nicht gefunden",
        "notfound_body": "Wir konnten diese Umfrage nicht finden. Bitte fragen Sie uns nach einem neuen Link.",
        "expired_title": "Diese Umfrage ist abgelaufen",
        "expired_body": "Der Link war bis {until} gültig. Wenn Sie noch antworten möchten, fragen Sie uns bitte nach einem neuen Link.",
        "closed_title": "Diese Umfrage ist geschlossen",
        "closed_body": "Danke, wir haben Ihre Antwort bereits. Sie konnte bis {until} geändert werden.",
        "footer": "Ihre Antwort geht nur an unser Team.",
        "email_subject": "Wie zufrieden waren Sie mit {project}?",
        "email_greeting": "Hallo {name},",
        "email_body": "Danke für die Zusammenarbeit bei {project}. Würden Sie uns in wenigen Sekunden sagen, wie wahrscheinlich es ist, dass Sie uns einem Freund oder Kollegen empfehlen?",
        "email_cta": "Zur Umfrage",
        "email_expiry": "Der Link ist bis {until} gültig.",
        "email_signoff": "Vielen Dank!",
        "category_promoter": "Promoter",
        "category_passive": "Passiver",
        "category_detractor": "Kritiker",
    },
}

LANGUAGES = tuple(TEXTS)


def pick_language(*candidates: Any) -> str:
    """The first supported language among the candidates ("es", "es-MX", "de_DE"...), else English."""
    for c in candidates:
        if not isinstance(c, str) or not c.strip():
            continue
        code = c.strip().lower().replace("_", "-").split("-")[0]
        if code in TEXTS:
            return code
    return DEFAULT_LANGUAGE


def from_accept_language(header: str | None) -> str:
    """Best supported language from an Accept-Language header (for pages shown before we know the client)."""
    if not header:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            ranked.append((float(q) if q else 1.0, lang))
        except ValueError:
            continue
    return pick_language(*[lang for _, lang in sorted(ranked, key=lambda r: -r[0])])


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS[DEFAULT_LANGUAGE])


def format_date(value: Any, language: str) -> str:
    """A date a person reads, in the survey's language (no locale database needed)."""
    if value is None:
        return ""
    if language == "de":
        return value.strftime("%d.%m.%Y")
    if language == "es":
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d %b %Y")
