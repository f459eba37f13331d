#!/usr/bin/python3
# mkqr.py - pictures with and without QR codes, hostile pictures, and mails carrying them (t2207, t5022)
#
#   $PYTHON mkqr.py picture KIND OUT [PAYLOAD]
#       KIND  png jpeg gif png-interlaced   a QR code of PAYLOAD (qrencode(1)),
#                                           converted with PIL (python3-pil)
#             photo                         shapes and a gradient, no code
#             truncated                     the first half of a QR code PNG
#             bomb-png                      a valid PNG declaring 100000 x 100000
#                                           pixels, whose data is a few bytes
#             bomb-jpeg bomb-gif            the same idea in JPEG and GIF headers
#             garbage                       random bytes after a PNG signature
#   $PYTHON mkqr.py drawn KIND PAYLOAD      a QR code of PAYLOAD drawn without a picture, on stdout:
#             table-bgcolor table-style     an HTML table, one cell a module, painted by bgcolor
#                                           or by style (dark cells only: light is the page)
#             table-inverted                the same with dark and light swapped
#             blocks                        lines of block characters (full, upper and lower half)
#             blocks-html                   those lines as HTML, one <div> a line, &nbsp; for spaces
#   $PYTHON mkqr.py mail OUT TEXT [--html HTML] [--attach F]... [--inline F]... [--data-uri F]
#       TEXT is the plain-text body ("" for none); --html adds an HTML body
#       (with --inline pictures as multipart/related cid:img0, img1...;
#       with --data-uri the picture is written into the HTML as
#       <img src="data:image/...;base64,...">, wrapped at 76 columns as
#       mailers do); --attach adds attachments with the file's own name.
import base64
import email.policy
import io
import os
import random
import struct
import subprocess
import sys
import zlib
from email.message import EmailMessage

from PIL import Image, ImageDraw


def qr_png(payload):
    return subprocess.run(['qrencode', '-o', '-', '-s', '4', '-m', '4', payload],
                          check=True, stdout=subprocess.PIPE).stdout


def convert(png, fmt, **kw):
    out = io.BytesIO()
    im = Image.open(io.BytesIO(png))
    if fmt == 'JPEG':
        im = im.convert('RGB')
    elif fmt == 'PNG':
        im = im.convert('LA')           # grey with alpha, to test the alpha path
    im.save(out, fmt, **kw)
    return out.getvalue()


def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


def bomb_png():
    ihdr = struct.pack('>IIBBBBB', 100000, 100000, 8, 0, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr)
            + png_chunk(b'IDAT', zlib.compress(b'\0' * 100001)) + png_chunk(b'IEND', b''))


def bomb_jpeg():
    sof = b'\xff\xc0\x00\x0b\x08' + struct.pack('>HH', 60000, 60000) + b'\x01\x01\x11\x00'
    sos = b'\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00'
    return b'\xff\xd8' + sof + sos + b'\x00' * 64 + b'\xff\xd9'


def bomb_gif():
    return (b'GIF89a' + struct.pack('<HH', 65535, 65535) + b'\x80\x00\x00' + b'\x00\x00\x00\xff\xff\xff'
            + b'\x2c' + struct.pack('<HHHH', 0, 0, 65535, 65535) + b'\x00' + b'\x02\x02\x44\x01\x00\x3b')


def photo():
    im = Image.new('RGB', (320, 200), (200, 220, 255))
    d = ImageDraw.Draw(im)
    for y in range(200):
        d.line([(0, y), (319, y)], fill=(200 - y // 2, 220 - y // 3, 255 - y // 4))
    d.ellipse([40, 40, 140, 140], fill=(250, 200, 0))
    d.rectangle([180, 90, 300, 190], fill=(40, 120, 40))
    out = io.BytesIO()
    im.save(out, 'PNG')
    return out.getvalue()


def picture(kind, payload):
    if kind == 'png':
        return qr_png(payload)
    if kind == 'jpeg':
        return convert(qr_png(payload), 'JPEG', quality=80)
    if kind == 'gif':
        return convert(qr_png(payload), 'GIF')
    if kind == 'png-interlaced':
        return convert(qr_png(payload), 'PNG', interlace=True)
    if kind == 'photo':
        return photo()
    if kind == 'truncated':
        png = qr_png(payload)
        return png[:len(png) // 2]
    if kind == 'bomb-png':
        return bomb_png()
    if kind == 'bomb-jpeg':
        return bomb_jpeg()
    if kind == 'bomb-gif':
        return bomb_gif()
    if kind == 'garbage':
        rnd = random.Random(7)
        return b'\x89PNG\r\n\x1a\n' + bytes(rnd.randrange(256) for _ in range(4096))
    sys.exit('mkqr.py: unknown picture kind ' + kind)


SUBTYPES = {b'\x89PNG': 'png', b'\xff\xd8\xff': 'jpeg', b'GIF8': 'gif'}


def subtype(data):
    for magic, sub in SUBTYPES.items():
        if data.startswith(magic):
            return sub
    return 'png'                         # garbage still claims to be a PNG


def mail(out, text, args):
    html, attach, inline, data_uri = None, [], [], None
    while args:
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == '--html':
            html = val
        elif opt == '--attach':
            attach.append(val)
        elif opt == '--inline':
            inline.append(val)
        elif opt == '--data-uri':
            data_uri = val
    m = EmailMessage(policy=email.policy.SMTP)
    m['From'] = 'IT Service Desk <helpdesk@mail-service.example>'
    m['To'] = 'user@agency.gov.tw'
    m['Subject'] = 'Notice'
    m['Message-ID'] = '<%s@mail-service.example>' % os.path.basename(out)
    if data_uri:
        data = open(data_uri, 'rb').read()
        b64 = base64.b64encode(data).decode()
        wrapped = '\n'.join(b64[i:i + 76] for i in range(0, len(b64), 76))
        html = (html or '') + '<img src="data:image/%s;base64,%s">' % (subtype(data), wrapped)
    if text:
        m.set_content(text)
        if html:
            m.add_alternative(html, subtype='html')
    elif html:
        m.set_content(html, subtype='html')
    else:
        m.set_content('')
    if inline:
        body = m.get_body(('html',))
        for i, f in enumerate(inline):
            data = open(f, 'rb').read()
            body.add_related(data, 'image', subtype(data), cid='<img%d>' % i)
    for f in attach:
        data = open(f, 'rb').read()
        m.add_attachment(data, maintype='image', subtype=subtype(data), filename=os.path.basename(f))
    open(out, 'wb').write(bytes(m))


def modules(payload):
    """the code's modules, 1 dark, without a quiet zone (qrencode -t ASCII: two characters a module)"""
    rows = subprocess.run(['qrencode', '-t', 'ASCII', '-m', '0', payload], check=True,
                          capture_output=True, text=True).stdout.splitlines()
    return [[1 if row[i] == '#' else 0 for i in range(0, len(row), 2)] for row in rows if row]


def table(rows, cell):
    return ('<table cellpadding="0" cellspacing="0">'
            + ''.join('<tr>' + ''.join(cell(v) for v in row) + '</tr>' for row in rows) + '</table>')


def blocks(rows, quiet=2):
    w = len(rows[0]) + 2 * quiet
    rows = [[0] * w] * quiet + [[0] * quiet + r + [0] * quiet for r in rows] + [[0] * w] * quiet
    if len(rows) % 2:
        rows.append([0] * w)
    glyph = {(1, 1): '\u2588', (1, 0): '\u2580', (0, 1): '\u2584', (0, 0): ' '}
    return '\n'.join(''.join(glyph[(rows[y][x], rows[y + 1][x])] for x in range(w)) for y in range(0, len(rows), 2))


def drawn(kind, payload):
    m = modules(payload)
    if kind == 'table-bgcolor':
        return table(m, lambda v: '<td bgcolor="%s" width="4" height="4"></td>' % ('#000000' if v else '#FFFFFF'))
    if kind == 'table-style':
        return table(m, lambda v: '<td style="background-color: #111; width:4px; height:4px"></td>' if v
                     else '<td style="width:4px;height:4px"></td>')
    if kind == 'table-inverted':
        return table(m, lambda v: '<td bgcolor="%s"></td>' % ('#FFFFFF' if v else 'black'))
    if kind == 'blocks':
        return blocks(m)
    if kind == 'blocks-html':
        return ''.join('<div style="font-family:monospace">%s</div>' % line.replace(' ', '&nbsp;')
                       for line in blocks(m).split('\n'))
    sys.exit('mkqr.py drawn: unknown kind ' + kind)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == 'picture':
        payload = sys.argv[4] if len(sys.argv) > 4 else 'https://www.example.com/'
        open(sys.argv[3], 'wb').write(picture(sys.argv[2], payload))
    elif len(sys.argv) == 4 and sys.argv[1] == 'drawn':
        sys.stdout.write(drawn(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == 'mail':
        mail(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__ if __doc__ else 'usage: mkqr.py picture|mail ...')


if __name__ == '__main__':
    main()
