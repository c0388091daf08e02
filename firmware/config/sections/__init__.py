"""One module per section of the configuration document.

`firmware.config.schema.Config` assembles them; checks between sections live in
`firmware.config.references`. A new section (routing scenarios, voicemail, mail) is a new
module here, a field on `Config` and, if it refers to other sections, a check there.
"""
