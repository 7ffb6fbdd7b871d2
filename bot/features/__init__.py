"""Feature folders: each exports one ``FEATURE`` (:class:`bot.kit.feature.Feature`)."""
