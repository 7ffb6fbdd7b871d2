"""The counsellor's desk: a web page (and Telegram Mini App) served by the bot itself.

The caseload, a person's full dossier and the actions of the chat, in a
browser. Every read and write goes through the same access-checked
``storage`` functions as the chat, with the signed-in counsellor's actor.
"""
