"""Work → Knowledge base: search with ranked results and how often each article
was used, an article shown by its kind (a script to read out, numbers to call,
a web page, a link followed to its target), its versions; editors (the
Knowledge base permission) write and change articles and archive them.

Reading needs the Requests permission. The rules live in ``ringback.knowledge``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area, require_viewer
from ringback.console.context import services
from ringback.console.pages.tickets import phone_label
from ringback.console.web import notify
from ringback.errors import Conflict, ValidationError
from ringback.knowledge import ArticleKind, ArticleRecord
from ringback.store.models import Permission

READ = area(Permission.REQUESTS)
WRITE = area(Permission.KNOWLEDGE_BASE)
KIND_LABELS = {ArticleKind.SCRIPT.value: "Call script",
               ArticleKind.PHONE_NUMBERS.value: "Phone numbers",
               ArticleKind.EXTERNAL_URL.value: "Web page",
               ArticleKind.ARTICLE_LINK.value: "Link to another article"}
LABELS = {"kind": "Kind", "title": "Title", "body": "Text", "keywords": "Keywords",
          "phone_numbers": "Phone numbers", "url": "Web address",
          "linked_article_id": "Linked article"}
FORM = ("kind", "title", "body", "keywords", "phone_numbers", "url", "linked_article_id")


def register(bp: Blueprint) -> None:
    @bp.get("/knowledge")
    @access(READ)
    def knowledge_base() -> ResponseReturnValue:
        q = (request.args.get("q") or "").strip()[:200]
        hits = services().knowledge.search(q, limit=20)
        return render_template("console/knowledge.html", q=q, hits=hits, kinds=KIND_LABELS,
                               editor=_editor())

    @bp.get("/knowledge/<int:article_id>")
    @access(READ)
    def kb_article(article_id: int) -> ResponseReturnValue:
        kb = services().knowledge
        article = kb.get(article_id)
        target = kb.resolve(article_id) if article.kind is ArticleKind.ARTICLE_LINK else None
        return render_template("console/kb_article.html", article=article, target=target,
                               kinds=KIND_LABELS, editor=_editor(), phone=phone_label)

    @bp.get("/knowledge/<int:article_id>/versions")
    @access(READ)
    def kb_versions(article_id: int) -> ResponseReturnValue:
        kb = services().knowledge
        return render_template("console/kb_versions.html", article=kb.get(article_id),
                               versions=kb.versions(article_id), kinds=KIND_LABELS,
                               phone=phone_label)

    @bp.route("/knowledge/new", methods=["GET", "POST"])
    @access(WRITE)
    def kb_article_new() -> ResponseReturnValue:
        shown = _shown(request.form) if request.method == "POST" else {
            "kind": request.args.get("kind") or ArticleKind.SCRIPT.value}
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                made = services().knowledge.create(_fields(shown), require_viewer().agent.id)
            except ValidationError as exc:
                errors = _errors(exc.errors)
            else:
                notify(f"The article {made.title} is saved.")
                return redirect(url_for("console.kb_article", article_id=made.id))
        return _form(None, shown, errors)

    @bp.route("/knowledge/<int:article_id>/edit", methods=["GET", "POST"])
    @access(WRITE)
    def kb_article_edit(article_id: int) -> ResponseReturnValue:
        kb = services().knowledge
        article = kb.get(article_id)
        shown = _shown(request.form) if request.method == "POST" else _shown_of(article)
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                saved = kb.update(article_id, _fields(shown), require_viewer().agent.id)
            except ValidationError as exc:
                errors = _errors(exc.errors)
            else:
                notify(f"The article {saved.title} is saved as version {saved.version}.")
                return redirect(url_for("console.kb_article", article_id=article_id))
        return _form(article, shown, errors)

    @bp.post("/knowledge/<int:article_id>/archive")
    @access(WRITE)
    def kb_article_archive(article_id: int) -> ResponseReturnValue:
        kb = services().knowledge
        restore = request.form.get("restore") == "1"
        try:
            article = kb.archive(article_id, archived=not restore)
        except Conflict as exc:
            article = kb.get(article_id)
            return render_template("console/kb_article.html", article=article, target=None,
                                   kinds=KIND_LABELS, editor=True, phone=phone_label,
                                   problem=f"This article cannot be archived: {exc}."), 409
        notify(f"The article {article.title} is "
               + ("back in search." if restore else "archived: search no longer finds it."))
        return redirect(url_for("console.kb_article", article_id=article_id))


def _editor() -> bool:
    return require_viewer().agent.holds(Permission.KNOWLEDGE_BASE)


def _form(article: ArticleRecord | None, shown: Mapping[str, str], errors: dict[str, str]
          ) -> ResponseReturnValue:
    targets = services().knowledge.link_targets(but=article.id if article else None)
    return render_template("console/kb_article_form.html", article=article, shown=shown,
                           errors=errors, labels=LABELS, kinds=KIND_LABELS, targets=targets
                           ), 422 if errors else 200


def _shown(form: Mapping[str, str]) -> dict[str, str]:
    return {name: (form.get(name) or "").strip() for name in FORM}


def _shown_of(article: ArticleRecord) -> dict[str, str]:
    return {"kind": article.kind.value, "title": article.title, "body": article.body,
            "keywords": article.keywords, "url": article.url or "",
            "phone_numbers": "\n".join(f"{p.label}: {phone_label(p.number)}"
                                       for p in article.phone_numbers),
            "linked_article_id": str(article.linked_article_id or "")}


def _fields(shown: Mapping[str, str]) -> dict[str, Any]:
    """The form as the article's fields: only the chosen kind's own field is sent."""
    kind = shown.get("kind", "")
    fields: dict[str, Any] = {"kind": kind, "title": shown.get("title", ""),
                              "body": shown.get("body", ""),
                              "keywords": shown.get("keywords", "")}
    if kind == ArticleKind.PHONE_NUMBERS.value:
        lines = [line for line in shown.get("phone_numbers", "").splitlines() if line.strip()]
        fields["phone_numbers"] = [_phone_line(line) for line in lines]
    elif kind == ArticleKind.EXTERNAL_URL.value:
        fields["url"] = shown.get("url", "")
    elif kind == ArticleKind.ARTICLE_LINK.value:
        fields["linked_article_id"] = shown.get("linked_article_id") or None
    return fields


def _phone_line(line: str) -> dict[str, str]:
    """"Police: 110" as a label and a number; the number is what follows the last colon."""
    label, colon, number = line.rpartition(":")
    return {"label": label.strip(), "number": number.strip()} if colon else \
        {"label": "", "number": line.strip()}


def _errors(errors: Mapping[str, str]) -> dict[str, str]:
    """The domain's rules in the form's words: a number's rule names its line."""
    out: dict[str, str] = {}
    for key, rule in errors.items():
        if key.startswith("phone_numbers["):
            line = int(key[len("phone_numbers["):key.index("]")]) + 1
            what = "the label (who answers) before the colon" if key.endswith(".label") \
                else "the number after the colon"
            out.setdefault("phone_numbers", f"line {line}: {what} {rule}")
        elif key == "phone_numbers":
            out[key] = ("must list at least one number, one a line, written as "
                        "\"Label: number\", such as \"Police: 110\"")
        elif key == "linked_article_id":
            out[key] = rule.replace("must name", "choose")
        else:
            out[key] = rule.replace("E.164", "international form")
    return out
