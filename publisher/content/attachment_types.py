"""Which attachment types may be published (kept apart so publisher.toml's model can use them)."""

# Types editors attach to notices. Configurable per repo (`[attachments] types`).
DEFAULT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "zip", "jpg", "jpeg", "png")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Never published, whatever `types` says: programs, scripts, installers, shortcuts, and pages
# that run script in the site's own origin.
FORBIDDEN_TYPES = frozenset({
    "exe", "com", "bat", "cmd", "msi", "msp", "scr", "pif", "cpl", "dll", "sys", "lnk", "reg", "inf",
    "js", "jse", "mjs", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "hta", "sh", "bash", "zsh", "csh",
    "py", "pyw", "pl", "rb", "php", "asp", "aspx", "jsp", "cgi", "jar", "class", "apk", "ipa", "app",
    "dmg", "deb", "rpm", "run", "bin", "elf", "html", "htm", "xhtml", "shtml", "svg", "svgz", "mht",
    "mhtml", "xml", "xsl", "swf", "docm", "xlsm", "pptm", "dotm", "xltm", "iso", "img", "vhd",
})  # fmt: skip
