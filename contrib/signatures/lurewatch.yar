/*
 * lurewatch.yar - technique rules for libclamav's YARA engine (lurewatch's own signatures)
 *
 * Rules named Lurewatch_Heur_* describe a technique, not one sample; the
 * clamav analyzer reports them as LW_ATT_YARA_HEURISTIC (a moderate score),
 * not as a malware signature. lurewatch-test.ndb beside this file holds the
 * EICAR test signature (Lurewatch.Test.EICAR) so that the quick start and
 * the tests detect something real without a signature download.
 * ClamAV supports a subset of YARA: text/hex strings, nocase, wide, "at",
 * and boolean conditions.
 */

/* A saved HTML page that asks for a password and posts it somewhere: a local
   credential-harvesting page sent as an attachment. */
rule Lurewatch_Heur_HTML_Credential_Form
{
    strings:
        $form = "<form" nocase
        $pw1 = "type=\"password\"" nocase
        $pw2 = "type='password'" nocase
        $pw3 = "type=password" nocase
        $post = "action=" nocase
    condition:
        $form and $post and ($pw1 or $pw2 or $pw3)
}

/* HTML smuggling: script decodes an embedded payload and hands it to the
   browser as a download, so no file crosses the mail filter as such. */
rule Lurewatch_Heur_HTML_Smuggling
{
    strings:
        $blob1 = "createObjectURL" nocase
        $blob2 = "msSaveOrOpenBlob" nocase
        $blob3 = "msSaveBlob" nocase
        $dec1 = "atob(" nocase
        $dec2 = "new Blob" nocase
        $dec3 = "Uint8Array" nocase
        $dl = "download" nocase
    condition:
        ($blob1 or $blob2 or $blob3) and ($dec1 or $dec2 or $dec3) and $dl
}

/* A Windows shortcut (.lnk) whose target or arguments start PowerShell:
   the stage-one launcher of many campaigns since Office macros were blocked. */
rule Lurewatch_Heur_LNK_PowerShell
{
    strings:
        $lnk = { 4C 00 00 00 01 14 02 00 00 00 00 00 C0 00 00 00 00 00 00 46 }
        $ps1 = "powershell" nocase wide
        $ps2 = "powershell" nocase
        $ps3 = "pwsh" nocase wide
    condition:
        $lnk at 0 and ($ps1 or $ps2 or $ps3)
}
