#!/usr/bin/env python3
"""Prepares the certificate's embedded fonts from Debian's packages.

    apt-get install -y fonts-noto-core fonts-droid-fallback fonts-nanum fonttools
    python3 app/certificate/fonts/prepare.py

Hinting is dropped (a PDF is printed or scaled, not rasterised at small
sizes on screen) and so are the OpenType layout tables, which gopdf does not
use. The fallback fonts keep only the characters app.NameLetter accepts from
them, and Droid Sans Fallback's composite glyphs are decomposed so that each
PDF's subset carries only the glyphs it prints (gopdf writes metrics for
every glyph in the font, so fewer glyphs is a smaller PDF). Every name
table entry, including the copyright and licence, is kept. The licences
are beside this file.
"""
from fontTools import subset
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

HERE = __file__.rsplit("/", 1)[0]


def prepare(src, dst, unicodes, decompose=False):
    font = TTFont(src)
    if decompose:
        glyf, glyphs = font["glyf"], font.getGlyphSet()
        for name in font.getGlyphOrder():
            if glyf[name].isComposite():
                rec = DecomposingRecordingPen(glyphs)
                glyphs[name].draw(rec)
                pen = TTGlyphPen(None)
                rec.replay(pen)
                glyf[name] = pen.glyph()
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    s = subset.Subsetter(opts)
    s.populate(unicodes=unicodes)
    s.subset(font)
    for table in ("GSUB", "GPOS", "GDEF", "vhea", "vmtx"):
        if table in font:
            del font[table]
    font.save(f"{HERE}/{dst}")


def r(lo, hi):
    return list(range(lo, hi + 1))


noto = "/usr/share/fonts/truetype/noto/"
prepare(noto + "NotoSans-Regular.ttf", "NotoSans-Regular.ttf", r(0, 0x10FFFF))
prepare(noto + "NotoSans-Bold.ttf", "NotoSans-Bold.ttf", r(0, 0x10FFFF))
prepare("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "DroidSansFallbackFull.ttf",
        [0x20] + r(0x3000, 0x30FF) + r(0x3400, 0x4DBF) + r(0x4E00, 0x9FFF) + r(0xF900, 0xFAFF) + r(0xFF00, 0xFFEF),
        decompose=True)
prepare("/usr/share/fonts/truetype/nanum/NanumSquareR.ttf", "NanumSquareR.ttf",
        [0x20] + r(0x1100, 0x11FF) + r(0x3130, 0x318F) + r(0xAC00, 0xD7A3))
