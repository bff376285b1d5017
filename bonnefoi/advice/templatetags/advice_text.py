"""Render advice texts: paragraphs separated by blank lines, "- " lines as bullet lists."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def advice_text(value: str) -> str:
    """Escaped HTML: each block of lines is a paragraph, or a list when its lines start "- "."""
    html = []
    for block in str(value or "").split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            bullets = [line for line in lines if line.startswith("- ")]
            text = [line for line in lines if not line.startswith("- ")]
            html.append(f"<p>{escape(' '.join(text))}</p>")
            if bullets:
                html.append(
                    "<ul>" + "".join(f"<li>{escape(b[2:])}</li>" for b in bullets) + "</ul>"
                )
    return mark_safe("".join(html))  # noqa: S308 (every piece of text is escaped above)
