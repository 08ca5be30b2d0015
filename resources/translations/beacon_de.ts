<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>AccountForm</name>
    <message>
        <source>None (public channels only)</source>
        <translation>Keine (nur öffentliche Kanäle)</translation>
    </message>
    <message>
        <source>Auth endpoint (your server signs)</source>
        <translation>Auth-Endpunkt (Ihr Server signiert)</translation>
    </message>
    <message>
        <source>Sign locally with the app secret</source>
        <translation>Lokal mit dem App-Geheimnis signieren</translation>
    </message>
    <message>
        <source>support</source>
        <translation>support</translation>
    </message>
    <message>
        <source>the app&apos;s public key</source>
        <translation>der öffentliche Schlüssel der App</translation>
    </message>
    <message>
        <source>eu, mt1, ap1 … (Pusher&apos;s cloud)</source>
        <translation>eu, mt1, ap1 … (Pusher-Cloud)</translation>
    </message>
    <message>
        <source>ws.example.com (self-hosted; leave the cluster empty)</source>
        <translation>ws.example.com (selbst betrieben; Cluster leer lassen)</translation>
    </message>
    <message>
        <source>default (443, or 80 without TLS)</source>
        <translation>Standard (443, ohne TLS 80)</translation>
    </message>
    <message>
        <source>Use TLS (wss://)</source>
        <translation>TLS verwenden (wss://)</translation>
    </message>
    <message>
        <source>optional: a PEM file with your company&apos;s CA</source>
        <translation>optional: PEM-Datei Ihrer Firmen-CA</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>one channel per line, e.g.
tickets
private-agent-7</source>
        <translation>ein Kanal pro Zeile, z. B.
tickets
private-agent-7</translation>
    </message>
    <message>
        <source>https://helpdesk.example.com/pusher/auth</source>
        <translation>https://helpdesk.example.com/pusher/auth</translation>
    </message>
    <message>
        <source>Name: value, one per line, e.g.
Authorization: Bearer {secret}</source>
        <translation>Name: Wert, einer pro Zeile, z. B.
Authorization: Bearer {secret}</translation>
    </message>
    <message>
        <source>&amp;Name</source>
        <translation>&amp;Name</translation>
    </message>
    <message>
        <source>&amp;Key</source>
        <translation>&amp;Schlüssel</translation>
    </message>
    <message>
        <source>&amp;Cluster</source>
        <translation>&amp;Cluster</translation>
    </message>
    <message>
        <source>&amp;Host</source>
        <translation>&amp;Host</translation>
    </message>
    <message>
        <source>&amp;Port</source>
        <translation>P&amp;ort</translation>
    </message>
    <message>
        <source>CA &amp;file</source>
        <translation>CA-&amp;Datei</translation>
    </message>
    <message>
        <source>C&amp;hannels</source>
        <translation>&amp;Kanäle</translation>
    </message>
    <message>
        <source>&amp;Authorization</source>
        <translation>&amp;Autorisierung</translation>
    </message>
    <message>
        <source>&amp;Endpoint</source>
        <translation>End&amp;punkt</translation>
    </message>
    <message>
        <source>Hea&amp;ders</source>
        <translation>Hea&amp;der</translation>
    </message>
    <message>
        <source>Secret (kept only in the OS keyring)</source>
        <translation>Geheimnis (nur im Schlüsselbund des Systems gespeichert)</translation>
    </message>
    <message>
        <source>Checking the keyring…</source>
        <translation>Schlüsselbund wird geprüft…</translation>
    </message>
    <message>
        <source>type or paste a new secret</source>
        <translation>neues Geheimnis eingeben oder einfügen</translation>
    </message>
    <message>
        <source>New secret</source>
        <translation>Neues Geheimnis</translation>
    </message>
    <message>
        <source>Store in keyring</source>
        <translation>Im Schlüsselbund speichern</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <source>Connect and subscribe to each channel, as the fields are now</source>
        <translation>Mit den aktuellen Angaben verbinden und jeden Kanal abonnieren</translation>
    </message>
    <message>
        <source>Connection test report</source>
        <translation>Ergebnis des Verbindungstests</translation>
    </message>
    <message>
        <source>Account name</source>
        <translation>Kontoname</translation>
    </message>
    <message>
        <source>A short name of your choice, shown in the feed</source>
        <translation>Ein kurzer Name Ihrer Wahl, der im Feed angezeigt wird</translation>
    </message>
    <message>
        <source>App key</source>
        <translation>App-Schlüssel</translation>
    </message>
    <message>
        <source>The Pusher app&apos;s public key</source>
        <translation>Der öffentliche Schlüssel der Pusher-App</translation>
    </message>
    <message>
        <source>Cluster</source>
        <translation>Cluster</translation>
    </message>
    <message>
        <source>Pusher&apos;s cloud cluster; empty for a self-hosted server</source>
        <translation>Cluster der Pusher-Cloud; leer bei einem selbst betriebenen Server</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>A self-hosted server&apos;s host name</source>
        <translation>Hostname eines selbst betriebenen Servers</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>The server&apos;s port; 0 for the default</source>
        <translation>Port des Servers; 0 für den Standard</translation>
    </message>
    <message>
        <source>Use TLS</source>
        <translation>TLS verwenden</translation>
    </message>
    <message>
        <source>Connect with wss:// rather than ws://</source>
        <translation>Mit wss:// statt ws:// verbinden</translation>
    </message>
    <message>
        <source>CA file</source>
        <translation>CA-Datei</translation>
    </message>
    <message>
        <source>Optional PEM file with your company&apos;s certificate</source>
        <translation>Optionale PEM-Datei mit dem Zertifikat Ihres Unternehmens</translation>
    </message>
    <message>
        <source>Browse for a CA file</source>
        <translation>Nach einer CA-Datei suchen</translation>
    </message>
    <message>
        <source>Opens a file chooser</source>
        <translation>Öffnet eine Dateiauswahl</translation>
    </message>
    <message>
        <source>Channels</source>
        <translation>Kanäle</translation>
    </message>
    <message>
        <source>One channel name per line</source>
        <translation>Ein Kanalname pro Zeile</translation>
    </message>
    <message>
        <source>Authorization</source>
        <translation>Autorisierung</translation>
    </message>
    <message>
        <source>How private channels are authorized</source>
        <translation>Wie private Kanäle autorisiert werden</translation>
    </message>
    <message>
        <source>Auth endpoint</source>
        <translation>Auth-Endpunkt</translation>
    </message>
    <message>
        <source>The URL that signs private subscriptions</source>
        <translation>Die URL, die private Abonnements signiert</translation>
    </message>
    <message>
        <source>Auth headers</source>
        <translation>Auth-Header</translation>
    </message>
    <message>
        <source>Name: value, one header per line</source>
        <translation>Name: Wert, ein Header pro Zeile</translation>
    </message>
    <message>
        <source>Written to the OS keyring only, never shown</source>
        <translation>Wird nur im Schlüsselbund des Systems gespeichert und nie angezeigt</translation>
    </message>
    <message>
        <source>Stores the new secret in the keyring</source>
        <translation>Speichert das neue Geheimnis im Schlüsselbund</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>Connects and subscribes to each channel</source>
        <translation>Verbindet sich und abonniert jeden Kanal</translation>
    </message>
    <message>
        <source>The result of the last test</source>
        <translation>Das Ergebnis des letzten Tests</translation>
    </message>
    <message>
        <source>PEM files (*.pem *.crt)</source>
        <translation>PEM-Dateien (*.pem *.crt)</translation>
    </message>
</context>
<context>
    <name>ActionsDialog</name>
    <message>
        <source>Buttons of rule {number}</source>
        <translation>Schaltflächen von Regel {number}</translation>
    </message>
    <message>
        <source>A&amp;dd</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <source>Claim</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>POST the event to a URL</source>
        <translation>Ereignis per POST an eine URL senden</translation>
    </message>
    <message>
        <source>Send a client event</source>
        <translation>Ein Client-Ereignis senden</translation>
    </message>
    <message>
        <source>Name: value, one per line, e.g.
Authorization: Bearer {secret}</source>
        <translation>Name: Wert, einer pro Zeile, z. B.
Authorization: Bearer {secret}</translation>
    </message>
    <message>
        <source>&amp;Label</source>
        <translation>&amp;Beschriftung</translation>
    </message>
    <message>
        <source>&amp;Kind</source>
        <translation>&amp;Typ</translation>
    </message>
    <message>
        <source>&amp;URL</source>
        <translation>&amp;URL</translation>
    </message>
    <message>
        <source>&amp;Headers</source>
        <translation>Hea&amp;der</translation>
    </message>
    <message>
        <source>Client &amp;event</source>
        <translation>Client-Ere&amp;ignis</translation>
    </message>
    <message>
        <source>&amp;Channel</source>
        <translation>&amp;Kanal</translation>
    </message>
    <message>
        <source>The config check runs when you press OK; its findings show under the rule.</source>
        <translation>Die Konfigurationsprüfung läuft, wenn Sie OK drücken; ihre Ergebnisse erscheinen unter der Regel.</translation>
    </message>
    <message>
        <source>Buttons</source>
        <translation>Schaltflächen</translation>
    </message>
    <message>
        <source>The rule&apos;s buttons, in order</source>
        <translation>Die Schaltflächen der Regel, der Reihe nach</translation>
    </message>
    <message>
        <source>Add button</source>
        <translation>Schaltfläche hinzufügen</translation>
    </message>
    <message>
        <source>Adds a button to the rule</source>
        <translation>Fügt der Regel eine Schaltfläche hinzu</translation>
    </message>
    <message>
        <source>Remove button</source>
        <translation>Schaltfläche entfernen</translation>
    </message>
    <message>
        <source>Removes the selected button</source>
        <translation>Entfernt die ausgewählte Schaltfläche</translation>
    </message>
    <message>
        <source>Button label</source>
        <translation>Beschriftung der Schaltfläche</translation>
    </message>
    <message>
        <source>The text on the button</source>
        <translation>Der Text auf der Schaltfläche</translation>
    </message>
    <message>
        <source>Button kind</source>
        <translation>Typ der Schaltfläche</translation>
    </message>
    <message>
        <source>POST the event to a URL, or send a client event</source>
        <translation>Ereignis per POST an eine URL senden oder ein Client-Ereignis senden</translation>
    </message>
    <message>
        <source>Button URL</source>
        <translation>URL der Schaltfläche</translation>
    </message>
    <message>
        <source>An http or https URL template; {id} takes the event&apos;s data</source>
        <translation>Eine http- oder https-URL-Vorlage; {id} übernimmt die Daten des Ereignisses</translation>
    </message>
    <message>
        <source>Button headers</source>
        <translation>Header der Schaltfläche</translation>
    </message>
    <message>
        <source>Name: value, one header per line; {secret} is the keyring secret</source>
        <translation>Name: Wert, ein Header pro Zeile; {secret} ist das Geheimnis aus dem Schlüsselbund</translation>
    </message>
    <message>
        <source>Client event</source>
        <translation>Client-Ereignis</translation>
    </message>
    <message>
        <source>A client- event name, sent on the channel below</source>
        <translation>Ein Ereignisname mit client-, gesendet im Kanal darunter</translation>
    </message>
    <message>
        <source>Client event channel</source>
        <translation>Kanal des Client-Ereignisses</translation>
    </message>
    <message>
        <source>A private- or presence- channel the account subscribes to</source>
        <translation>Ein private- oder presence-Kanal, den das Konto abonniert</translation>
    </message>
    <message>
        <source>When the buttons are checked</source>
        <translation>Wann die Schaltflächen geprüft werden</translation>
    </message>
    <message>
        <source>Puts these buttons in the rule</source>
        <translation>Übernimmt diese Schaltflächen in die Regel</translation>
    </message>
    <message>
        <source>Leaves the rule&apos;s buttons as they were</source>
        <translation>Lässt die Schaltflächen der Regel unverändert</translation>
    </message>
    <message>
        <source>(no label)</source>
        <translation>(ohne Beschriftung)</translation>
    </message>
    <message>
        <source>{label}: sends {event} on {channel}</source>
        <translation>{label}: sendet {event} in {channel}</translation>
    </message>
    <message>
        <source>{label}: posts to {url}</source>
        <translation>{label}: POST an {url}</translation>
    </message>
    <message>
        <source>New button</source>
        <translation>Neue Schaltfläche</translation>
    </message>
</context>
<context>
    <name>AwayDigestBar</name>
    <message>
        <source>While you were away</source>
        <translation>Während Ihrer Abwesenheit</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Dismiss the digest</source>
        <translation>Die Zusammenfassung schließen</translation>
    </message>
    <message>
        <source>While away: {group}</source>
        <translation>Während der Abwesenheit: {group}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln more group(s)</source>
        <translation>
            <numerusform>%Ln weitere Gruppe</numerusform>
            <numerusform>%Ln weitere Gruppen</numerusform>
        </translation>
    </message>
    <message>
        <source>While away: others</source>
        <translation>Während der Abwesenheit: weitere</translation>
    </message>
    <message>
        <source>Show {group}</source>
        <translation>{group} anzeigen</translation>
    </message>
</context>
<context>
    <name>AwayDigestWords</name>
    <message numerus="yes">
        <source>%Ln new item(s)</source>
        <translation>
            <numerusform>%Ln neuer Eintrag</numerusform>
            <numerusform>%Ln neue Einträge</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln high priority</source>
        <translation>
            <numerusform>%Ln mit hoher Priorität</numerusform>
            <numerusform>%Ln mit hoher Priorität</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln mention(s) of your keywords</source>
        <translation>
            <numerusform>%Ln Treffer Ihrer Stichwörter</numerusform>
            <numerusform>%Ln Treffer Ihrer Stichwörter</numerusform>
        </translation>
    </message>
    <message>
        <source>While you were away: {parts}</source>
        <translation>Während Ihrer Abwesenheit: {parts}</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Notification</source>
        <translation>Benachrichtigung</translation>
    </message>
    <message>
        <source>A new event; its actions follow</source>
        <translation>Ein neues Ereignis; seine Aktionen folgen</translation>
    </message>
    <message>
        <source>Notification title</source>
        <translation>Titel der Benachrichtigung</translation>
    </message>
    <message>
        <source>Notification message</source>
        <translation>Text der Benachrichtigung</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Closes this notification</source>
        <translation>Schließt diese Benachrichtigung</translation>
    </message>
</context>
<context>
    <name>BeaconApp</name>
    <message>
        <source>No system tray on this desktop, so closing this window quits Beacon (with a tray, Beacon would keep running there).</source>
        <translation>Dieser Desktop hat keinen Systembereich (Tray): Schließen dieses Fensters beendet Beacon (mit einem Tray liefe Beacon dort weiter).</translation>
    </message>
    <message>
        <source>No accounts configured yet: add one to config.toml, or try `beacon demo`.</source>
        <translation>Noch keine Konten eingerichtet: Fügen Sie eines in config.toml hinzu oder probieren Sie `beacon demo` aus.</translation>
    </message>
    <message>
        <source>Si&amp;gnals</source>
        <translation>Si&amp;gnale</translation>
    </message>
    <message>
        <source>The commands and webhooks to run</source>
        <translation>Die auszuführenden Befehle und Webhooks</translation>
    </message>
    <message>
        <source>Config error: {error}</source>
        <translation>Konfigurationsfehler: {error}</translation>
    </message>
    <message>
        <source>While you were away</source>
        <translation>Während Ihrer Abwesenheit</translation>
    </message>
</context>
<context>
    <name>ChannelPulses</name>
    <message>
        <source>Events per minute by channel</source>
        <translation>Ereignisse pro Minute nach Kanal</translation>
    </message>
    <message numerus="yes">
        <source>{channel} ({account}): %Ln event(s)</source>
        <translation>
            <numerusform>{channel} ({account}): %Ln Ereignis</numerusform>
            <numerusform>{channel} ({account}): %Ln Ereignisse</numerusform>
        </translation>
    </message>
    <message>
        <source>, burst now</source>
        <translation>, gerade ein Schub</translation>
    </message>
    <message>
        <source>{count}/h</source>
        <translation>{count}/h</translation>
    </message>
    <message>
        <source>burst</source>
        <translation>Schub</translation>
    </message>
</context>
<context>
    <name>ChannelSparklines</name>
    <message>
        <source>  (burst)</source>
        <translation>  (Schub)</translation>
    </message>
    <message>
        <source>. Burst now</source>
        <translation>. Gerade ein Schub</translation>
    </message>
</context>
<context>
    <name>ConnectionState</name>
    <message>
        <source>initialized</source>
        <translation>initialisiert</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>verbindet</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>verbunden</translation>
    </message>
    <message>
        <source>unavailable</source>
        <translation>nicht erreichbar</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>disconnected</source>
        <translation>getrennt</translation>
    </message>
    <message>
        <source>needs login</source>
        <translation>Anmeldung nötig</translation>
    </message>
    <message>
        <source>not connected yet</source>
        <translation>noch nicht verbunden</translation>
    </message>
</context>
<context>
    <name>DetailsPane</name>
    <message>
        <source>No web browser opened this link. Set a default web browser in your desktop&apos;s settings, or press Copy and paste the link into a browser.</source>
        <translation>Kein Webbrowser hat diesen Link geöffnet. Legen Sie in den Einstellungen Ihres Desktops einen Standardbrowser fest, oder klicken Sie auf „Kopieren“ und fügen Sie den Link in einen Browser ein.</translation>
    </message>
    <message>
        <source>Copied the title, message and link.</source>
        <translation>Titel, Text und Link wurden kopiert.</translation>
    </message>
    <message>
        <source>image</source>
        <translation>Bild</translation>
    </message>
    <message>
        <source>[image: {alt}]</source>
        <translation>[Bild: {alt}]</translation>
    </message>
    <message>
        <source>Item details</source>
        <translation>Eintragsdetails</translation>
    </message>
    <message>
        <source>Title of the open item</source>
        <translation>Titel des geöffneten Eintrags</translation>
    </message>
    <message>
        <source>Account, channel, event and time</source>
        <translation>Konto, Kanal, Ereignis und Zeit</translation>
    </message>
    <message>
        <source>From catch-up: sent while Beacon was offline</source>
        <translation>Nachgeholt: gesendet, während Beacon offline war</translation>
    </message>
    <message>
        <source>Where the item came from</source>
        <translation>Woher der Eintrag stammt</translation>
    </message>
    <message>
        <source>Also viewing this item</source>
        <translation>Sehen sich diesen Eintrag auch an</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>The item&apos;s message; Tab moves on to the payload</source>
        <translation>Der Text des Eintrags; Tab wechselt zu den Nutzdaten</translation>
    </message>
    <message>
        <source>Payload as JSON</source>
        <translation>Nutzdaten als JSON</translation>
    </message>
    <message>
        <source>The event&apos;s data as the server sent it</source>
        <translation>Die Daten des Ereignisses, wie der Server sie gesendet hat</translation>
    </message>
    <message>
        <source>&amp;Open link</source>
        <translation>Link ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Open link in the browser</source>
        <translation>Link im Browser öffnen</translation>
    </message>
    <message>
        <source>Opens the item&apos;s link in the web browser</source>
        <translation>Öffnet den Link des Eintrags im Webbrowser</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>Kop&amp;ieren</translation>
    </message>
    <message>
        <source>Copy the title, message and link</source>
        <translation>Titel, Text und Link kopieren</translation>
    </message>
    <message>
        <source>Copy the item as text</source>
        <translation>Den Eintrag als Text kopieren</translation>
    </message>
    <message>
        <source>Copies the title, message and link</source>
        <translation>Kopiert Titel, Text und Link</translation>
    </message>
    <message>
        <source>Result of the last action</source>
        <translation>Ergebnis der letzten Aktion</translation>
    </message>
    <message>
        <source>Result of the last action button</source>
        <translation>Ergebnis der zuletzt gedrückten Aktionsschaltfläche</translation>
    </message>
    <message>
        <source>Select an item to see it in full.</source>
        <translation>Wählen Sie einen Eintrag, um ihn vollständig zu sehen.</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>Nutzdaten</translation>
    </message>
    <message>
        <source>Also viewing: {names}</source>
        <translation>Sehen sich das auch an: {names}</translation>
    </message>
    <message>
        <source>{action}: sending…</source>
        <translation>{action}: wird gesendet…</translation>
    </message>
    <message>
        <source>Action: {action}</source>
        <translation>Aktion: {action}</translation>
    </message>
    <message>
        <source>This item has no web link</source>
        <translation>Dieser Eintrag hat keinen Weblink</translation>
    </message>
</context>
<context>
    <name>EngineService</name>
    <message>
        <source>Waiting for the keyring — answer the unlock prompt</source>
        <translation>Warte auf den Schlüsselbund – bitte die Entsperrabfrage beantworten</translation>
    </message>
    <message>
        <source>No usable keyring: Beacon keeps secrets only in the OS keyring, never in plain files. Fix: install and unlock a keyring (gnome-keyring or KWallet), then choose Reconnect</source>
        <translation>Kein nutzbarer Schlüsselbund: Beacon speichert Geheimnisse nur im Schlüsselbund des Systems, nie in Klartextdateien. Abhilfe: einen Schlüsselbund installieren und entsperren (gnome-keyring oder KWallet), dann „Neu verbinden“ wählen</translation>
    </message>
    <message>
        <source>The server&apos;s certificate does not match the host name {host}. Fix: set host to a name the certificate is for, or have the server&apos;s certificate made for {host}</source>
        <translation>Das Zertifikat des Servers passt nicht zum Hostnamen {host}. Abhilfe: host auf einen Namen setzen, für den das Zertifikat gilt, oder das Zertifikat des Servers für {host} ausstellen lassen</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted. Fix: set ca_file to the PEM file of the CA that signed it (for a self-signed certificate, the certificate itself)</source>
        <translation>Dem Zertifikat des Servers wird nicht vertraut. Abhilfe: ca_file auf die PEM-Datei der Zertifizierungsstelle setzen, die es signiert hat (bei einem selbstsignierten Zertifikat auf das Zertifikat selbst)</translation>
    </message>
    <message>
        <source>Fix: choose Sign in… and store this account&apos;s secret</source>
        <translation>Abhilfe: „Anmelden…“ wählen und das Geheimnis dieses Kontos speichern</translation>
    </message>
    <message>
        <source>The auth endpoint fails; Beacon tries again by itself. Fix: check that the app backend at {endpoint} runs and answers</source>
        <translation>Der Auth-Endpunkt schlägt fehl; Beacon versucht es selbst erneut. Abhilfe: prüfen, ob das App-Backend unter {endpoint} läuft und antwortet</translation>
    </message>
    <message>
        <source>Keyring locked: you stopped waiting for its unlock prompt, so this account cannot read its secret. Fix: choose Try again (Reconnect in the tray menu) and enter your keyring password at the prompt, or unlock the keyring in your keyring manager (Seahorse, KWalletManager).</source>
        <translation>Schlüsselbund gesperrt: Sie haben das Warten auf seine Entsperrabfrage abgebrochen, daher kann dieses Konto sein Geheimnis nicht lesen. Abhilfe: Wählen Sie „Erneut versuchen“ („Neu verbinden“ im Tray-Menü) und geben Sie bei der Abfrage Ihr Schlüsselbund-Passwort ein, oder entsperren Sie den Schlüsselbund in Ihrer Schlüsselbundverwaltung (Seahorse, KWalletManager).</translation>
    </message>
    <message>
        <source>Keyring locked: its unlock prompt was dismissed, or none could be shown, so this account cannot read its secret. Fix: choose Try again (Reconnect in the tray menu) and enter your keyring password at the prompt, or unlock the keyring in your keyring manager (Seahorse, KWalletManager).</source>
        <translation>Schlüsselbund gesperrt: Seine Entsperrabfrage wurde geschlossen oder konnte nicht angezeigt werden, daher kann dieses Konto sein Geheimnis nicht lesen. Abhilfe: Wählen Sie „Erneut versuchen“ („Neu verbinden“ im Tray-Menü) und geben Sie bei der Abfrage Ihr Schlüsselbund-Passwort ein, oder entsperren Sie den Schlüsselbund in Ihrer Schlüsselbundverwaltung (Seahorse, KWalletManager).</translation>
    </message>
</context>
<context>
    <name>FeedModel</name>
    <message>
        <source>Unread</source>
        <translation>Ungelesen</translation>
    </message>
    <message>
        <source>{priority} priority</source>
        <translation>Priorität {priority}</translation>
    </message>
</context>
<context>
    <name>FeedView</name>
    <message>
        <source>No events yet. New events from your channels appear here as they arrive.</source>
        <translation>Noch keine Ereignisse. Neue Ereignisse aus Ihren Kanälen erscheinen hier, sobald sie eintreffen.</translation>
    </message>
    <message>
        <source>Nothing matches these filters.</source>
        <translation>Nichts passt zu diesen Filtern.</translation>
    </message>
    <message>
        <source>Nothing is received until the configuration problem above is fixed. Beacon picks up the fixed file by itself.</source>
        <translation>Es wird nichts empfangen, bis das Konfigurationsproblem oben behoben ist. Beacon übernimmt die korrigierte Datei von selbst.</translation>
    </message>
    <message>
        <source>For &amp;1 hour</source>
        <translation>Für &amp;1 Stunde</translation>
    </message>
    <message>
        <source>Until &amp;tomorrow</source>
        <translation>Bis &amp;morgen</translation>
    </message>
    <message>
        <source>&amp;Always</source>
        <translation>&amp;Immer</translation>
    </message>
    <message>
        <source>Feed</source>
        <translation>Feed</translation>
    </message>
    <message>
        <source>Newest first. Arrows move, Enter opens an item in the details pane, Space marks it read or unread, slash searches, the menu key shows the item&apos;s actions.</source>
        <translation>Neueste zuerst. Pfeiltasten bewegen, Eingabe öffnet einen Eintrag in der Detailansicht, Leertaste markiert ihn als gelesen oder ungelesen, Schrägstrich sucht, die Menütaste zeigt die Aktionen des Eintrags.</translation>
    </message>
    <message>
        <source>Item actions</source>
        <translation>Aktionen für den Eintrag</translation>
    </message>
    <message>
        <source>Mark &amp;unread</source>
        <translation>Als &amp;ungelesen markieren</translation>
    </message>
    <message>
        <source>Mark &amp;read</source>
        <translation>Als &amp;gelesen markieren</translation>
    </message>
    <message>
        <source>Open &amp;link</source>
        <translation>&amp;Link öffnen</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Unmute {channel}</source>
        <translation>Stummschaltung von {channel} aufheben</translation>
    </message>
    <message>
        <source>&amp;Mute this channel</source>
        <translation>Diesen Kanal &amp;stummschalten</translation>
    </message>
    <message>
        <source>Mute {channel}</source>
        <translation>{channel} stummschalten</translation>
    </message>
</context>
<context>
    <name>FeedWindow</name>
    <message>
        <source>Any priority</source>
        <translation>Jede Priorität</translation>
    </message>
    <message>
        <source>Normal and above</source>
        <translation>Ab normal</translation>
    </message>
    <message>
        <source>High and above</source>
        <translation>Ab hoch</translation>
    </message>
    <message>
        <source>Urgent only</source>
        <translation>Nur dringend</translation>
    </message>
    <message>
        <source>New items wait here while you are scrolled down, busy with the list, or reading an item, so nothing moves under you. Click or press {shortcut} to show them at the top. Escape closes the open item.</source>
        <translation>Neue Einträge warten hier, solange Sie nach unten gescrollt haben, mit der Liste beschäftigt sind oder einen Eintrag lesen, damit sich nichts unter Ihnen verschiebt. Klicken Sie oder drücken Sie {shortcut}, um sie oben anzuzeigen. Escape schließt den geöffneten Eintrag.</translation>
    </message>
    <message>
        <source>Beacon</source>
        <translation>Beacon</translation>
    </message>
    <message>
        <source>Beacon feed</source>
        <translation>Beacon-Feed</translation>
    </message>
    <message>
        <source>Configuration problem</source>
        <translation>Konfigurationsproblem</translation>
    </message>
    <message>
        <source>Search titles and messages  (Ctrl+F)</source>
        <translation>Titel und Texte durchsuchen  (Strg+F)</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suche</translation>
    </message>
    <message>
        <source>Search titles and messages as you type. Escape clears the search.</source>
        <translation>Durchsucht Titel und Texte während der Eingabe. Escape leert die Suche.</translation>
    </message>
    <message>
        <source>Account filter</source>
        <translation>Kontofilter</translation>
    </message>
    <message>
        <source>Show items from one account only</source>
        <translation>Nur Einträge eines Kontos anzeigen</translation>
    </message>
    <message>
        <source>Channel filter</source>
        <translation>Kanalfilter</translation>
    </message>
    <message>
        <source>Show items from one channel only</source>
        <translation>Nur Einträge eines Kanals anzeigen</translation>
    </message>
    <message>
        <source>Priority filter</source>
        <translation>Prioritätsfilter</translation>
    </message>
    <message>
        <source>Show items of this priority or above</source>
        <translation>Einträge ab dieser Priorität anzeigen</translation>
    </message>
    <message>
        <source>U&amp;nread only</source>
        <translation>N&amp;ur ungelesene</translation>
    </message>
    <message>
        <source>Show unread items only</source>
        <translation>Nur ungelesene Einträge anzeigen</translation>
    </message>
    <message>
        <source>Hide the items already read</source>
        <translation>Bereits gelesene Einträge ausblenden</translation>
    </message>
    <message>
        <source>Show mu&amp;ted</source>
        <translation>Stu&amp;mmgeschaltete zeigen</translation>
    </message>
    <message>
        <source>Show muted items too, dimmed</source>
        <translation>Auch stummgeschaltete Einträge abgeblendet anzeigen</translation>
    </message>
    <message>
        <source>Items of muted channels and mute rules are hidden and not counted; shown dimmed</source>
        <translation>Einträge stummgeschalteter Kanäle und Stumm-Regeln sind ausgeblendet und werden nicht gezählt; hiermit erscheinen sie abgeblendet</translation>
    </message>
    <message>
        <source>&amp;Mark all read</source>
        <translation>Alle als &amp;gelesen markieren</translation>
    </message>
    <message>
        <source>Mark all shown items read</source>
        <translation>Alle angezeigten Einträge als gelesen markieren</translation>
    </message>
    <message>
        <source>Marks every item the filters show as read, waiting ones included</source>
        <translation>Markiert alle Einträge, die die Filter zeigen, als gelesen, auch die wartenden</translation>
    </message>
    <message>
        <source>Accoun&amp;t</source>
        <translation>&amp;Konto</translation>
    </message>
    <message>
        <source>C&amp;hannel</source>
        <translation>Ka&amp;nal</translation>
    </message>
    <message>
        <source>P&amp;riority</source>
        <translation>&amp;Priorität</translation>
    </message>
    <message>
        <source>Ac&amp;tivity</source>
        <translation>Akti&amp;vität</translation>
    </message>
    <message>
        <source>Show the activity chart</source>
        <translation>Das Aktivitätsdiagramm anzeigen</translation>
    </message>
    <message>
        <source>Events per minute over the last hour (Ctrl+Shift+A)</source>
        <translation>Ereignisse pro Minute in der letzten Stunde (Strg+Umschalt+A)</translation>
    </message>
    <message>
        <source>Show &amp;all</source>
        <translation>&amp;Alle anzeigen</translation>
    </message>
    <message>
        <source>Show all items again</source>
        <translation>Wieder alle Einträge anzeigen</translation>
    </message>
    <message>
        <source>Leave the summary and show the whole feed</source>
        <translation>Die Zusammenfassung verlassen und den ganzen Feed anzeigen</translation>
    </message>
    <message>
        <source>Here now</source>
        <translation>Gerade da</translation>
    </message>
    <message>
        <source>Mark &amp;unread</source>
        <translation>Als &amp;ungelesen markieren</translation>
    </message>
    <message>
        <source>All accounts</source>
        <translation>Alle Konten</translation>
    </message>
    <message>
        <source>All channels</source>
        <translation>Alle Kanäle</translation>
    </message>
    <message>
        <source>{channel} muted until {time}</source>
        <translation>{channel} stummgeschaltet bis {time}</translation>
    </message>
    <message>
        <source>{channel} muted (unmute from a row&apos;s menu)</source>
        <translation>{channel} stummgeschaltet (aufheben im Menü einer Zeile)</translation>
    </message>
    <message>
        <source>{channel} muted until tomorrow {time}</source>
        <translation>{channel} stummgeschaltet bis morgen {time}</translation>
    </message>
    <message>
        <source>{channel} unmuted</source>
        <translation>Stummschaltung von {channel} aufgehoben</translation>
    </message>
    <message>
        <source>No browser opened the link.</source>
        <translation>Kein Browser hat den Link geöffnet.</translation>
    </message>
    <message>
        <source>That item is no longer in the history.</source>
        <translation>Dieser Eintrag ist nicht mehr im Verlauf.</translation>
    </message>
</context>
<context>
    <name>FeedWindowCounts</name>
    <message numerus="yes">
        <source>Showing %Ln update(s)</source>
        <translation>
            <numerusform>%Ln Meldung wird angezeigt</numerusform>
            <numerusform>%Ln Meldungen werden angezeigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unread</source>
        <translation>
            <numerusform>%Ln ungelesen</numerusform>
            <numerusform>%Ln ungelesen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unread — Beacon</source>
        <translation>
            <numerusform>%Ln ungelesen — Beacon</numerusform>
            <numerusform>%Ln ungelesen — Beacon</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Popup</name>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open link</source>
        <translation>Link öffnen</translation>
    </message>
    <message>
        <source>Mark all read</source>
        <translation>Alle als gelesen markieren</translation>
    </message>
    <message>
        <source>Mark read</source>
        <translation>Als gelesen markieren</translation>
    </message>
</context>
<context>
    <name>PresenceModel</name>
    <message numerus="yes">
        <source>{channel} (%Ln here)</source>
        <translation>
            <numerusform>{channel} (%Ln da)</numerusform>
            <numerusform>{channel} (%Ln da)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{channel}: %Ln here</source>
        <translation>
            <numerusform>{channel}: %Ln da</numerusform>
            <numerusform>{channel}: %Ln da</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PresencePanel</name>
    <message>
        <source>Who is here</source>
        <translation>Wer gerade da ist</translation>
    </message>
    <message>
        <source>Members of presence channels</source>
        <translation>Mitglieder der Presence-Kanäle</translation>
    </message>
    <message>
        <source>Who is in each presence channel now, by name</source>
        <translation>Wer gerade in welchem Presence-Kanal ist, nach Namen</translation>
    </message>
    <message>
        <source>No presence channels configured.</source>
        <translation>Keine Presence-Kanäle eingerichtet.</translation>
    </message>
</context>
<context>
    <name>Priority</name>
    <message>
        <source>low</source>
        <translation>niedrig</translation>
    </message>
    <message>
        <source>normal</source>
        <translation>normal</translation>
    </message>
    <message>
        <source>high</source>
        <translation>hoch</translation>
    </message>
    <message>
        <source>urgent</source>
        <translation>dringend</translation>
    </message>
</context>
<context>
    <name>PulseChart</name>
    <message>
        <source>No events in the last hour</source>
        <translation>Keine Ereignisse in der letzten Stunde</translation>
    </message>
    <message>
        <source>Events per minute, last hour</source>
        <translation>Ereignisse pro Minute, letzte Stunde</translation>
    </message>
    <message numerus="yes">
        <source>%Ln event(s) in the last hour, at most {peak} a minute, usually {usual}</source>
        <translation>
            <numerusform>%Ln Ereignis in der letzten Stunde, höchstens {peak} pro Minute, sonst {usual}</numerusform>
            <numerusform>%Ln Ereignisse in der letzten Stunde, höchstens {peak} pro Minute, sonst {usual}</numerusform>
        </translation>
    </message>
    <message>
        <source>. Bursts at {times}</source>
        <translation>. Schübe um {times}</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>burst</source>
        <translation>Schub</translation>
    </message>
</context>
<context>
    <name>PulseWindow</name>
    <message>
        <source>Activity — Beacon</source>
        <translation>Aktivität — Beacon</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>Aktivität</translation>
    </message>
    <message>
        <source>Events per minute, last hour, all channels</source>
        <translation>Ereignisse pro Minute, letzte Stunde, alle Kanäle</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>Wird gezählt…</translation>
    </message>
    <message>
        <source>▲ Burst now: {names}</source>
        <translation>▲ Gerade ein Schub: {names}</translation>
    </message>
    <message>
        <source>No burst now.</source>
        <translation>Gerade kein Schub.</translation>
    </message>
</context>
<context>
    <name>RelativeTime</name>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message numerus="yes">
        <source>%n s</source>
        <comment>seconds ago, short</comment>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <comment>minutes ago, short</comment>
        <translation>
            <numerusform>%n Min.</numerusform>
            <numerusform>%n Min.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <comment>hours ago, short</comment>
        <translation>
            <numerusform>%n Std.</numerusform>
            <numerusform>%n Std.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RulesEditor</name>
    <message>
        <source>Rules decide how events are shown. The first rule that matches an event wins; an event no rule matches gets the default title, body and link.</source>
        <translation>Regeln bestimmen, wie Ereignisse angezeigt werden. Die erste passende Regel gilt; ein Ereignis, zu dem keine Regel passt, erhält Standardtitel, -text und -link.</translation>
    </message>
    <message>
        <source>A&amp;dd</source>
        <translation>Hin&amp;zufügen</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>Be&amp;arbeiten</translation>
    </message>
    <message>
        <source>Dele&amp;te</source>
        <translation>Lösc&amp;hen</translation>
    </message>
    <message>
        <source>Move &amp;up</source>
        <translation>Nach &amp;oben</translation>
    </message>
    <message>
        <source>Move do&amp;wn</source>
        <translation>Nach &amp;unten</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>* for every channel, or a glob: tickets-*</source>
        <translation>* = jeder Kanal; Muster: tickets-*</translation>
    </message>
    <message>
        <source>* for every event, or a glob: ticket.*</source>
        <translation>* = jedes Ereignis; Muster: ticket.*</translation>
    </message>
    <message>
        <source>Pop up, and add to the feed</source>
        <translation>Benachrichtigen und in den Feed</translation>
    </message>
    <message>
        <source>Add to the feed only</source>
        <translation>Nur in den Feed</translation>
    </message>
    <message>
        <source>Mute: keep in the history, unshown</source>
        <translation>Stumm: nur im Verlauf, nicht angezeigt</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Niedrig</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Hoch</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>Dringend</translation>
    </message>
    <message>
        <source>empty: the data&apos;s title, subject or name</source>
        <translation>leer: title, subject oder name der Daten</translation>
    </message>
    <message>
        <source>empty: the data&apos;s message, body or text</source>
        <translation>leer: message, body oder text der Daten</translation>
    </message>
    <message>
        <source>empty: the data&apos;s url; or https://…/{id}</source>
        <translation>leer: url der Daten, oder https://…/{id}</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
    <message>
        <source>The rule has a problem</source>
        <translation>Die Regel hat ein Problem</translation>
    </message>
    <message>
        <source>Acc&amp;ount</source>
        <translation>Kon&amp;to</translation>
    </message>
    <message>
        <source>C&amp;hannel</source>
        <translation>Ka&amp;nal</translation>
    </message>
    <message>
        <source>E&amp;vent</source>
        <translation>&amp;Ereignis</translation>
    </message>
    <message>
        <source>Noti&amp;fy</source>
        <translation>Benachrichti&amp;gen</translation>
    </message>
    <message>
        <source>&amp;Priority</source>
        <translation>&amp;Priorität</translation>
    </message>
    <message>
        <source>T&amp;itle</source>
        <translation>T&amp;itel</translation>
    </message>
    <message>
        <source>&amp;Body</source>
        <translation>Te&amp;xt</translation>
    </message>
    <message>
        <source>U&amp;RL</source>
        <translation>UR&amp;L</translation>
    </message>
    <message>
        <source>Edit butto&amp;ns…</source>
        <translation>Schalt&amp;flächen…</translation>
    </message>
    <message>
        <source>Buttons</source>
        <translation>Schaltflächen</translation>
    </message>
    <message>
        <source>Preview on the latest matching event</source>
        <translation>Vorschau mit dem neuesten passenden Ereignis</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <source>Body</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>Link</translation>
    </message>
    <message>
        <source>Shown as</source>
        <translation>Anzeige</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>Regeln</translation>
    </message>
    <message>
        <source>In order; the first rule that matches an event wins. Enter edits, Delete removes, Ctrl+Up and Ctrl+Down move</source>
        <translation>Der Reihe nach; die erste passende Regel gilt. Eingabe bearbeitet, Entf löscht, Strg+Hoch und Strg+Runter verschieben</translation>
    </message>
    <message>
        <source>Add rule</source>
        <translation>Regel hinzufügen</translation>
    </message>
    <message>
        <source>Adds a rule at the end of the list</source>
        <translation>Fügt am Ende der Liste eine Regel hinzu</translation>
    </message>
    <message>
        <source>Edit rule</source>
        <translation>Regel bearbeiten</translation>
    </message>
    <message>
        <source>Moves to the selected rule&apos;s form</source>
        <translation>Wechselt zum Formular der ausgewählten Regel</translation>
    </message>
    <message>
        <source>Delete rule</source>
        <translation>Regel löschen</translation>
    </message>
    <message>
        <source>Removes the selected rule</source>
        <translation>Entfernt die ausgewählte Regel</translation>
    </message>
    <message>
        <source>Move rule up</source>
        <translation>Regel nach oben verschieben</translation>
    </message>
    <message>
        <source>The rule is tried one place earlier</source>
        <translation>Die Regel wird eine Stelle früher geprüft</translation>
    </message>
    <message>
        <source>Move rule down</source>
        <translation>Regel nach unten verschieben</translation>
    </message>
    <message>
        <source>The rule is tried one place later</source>
        <translation>Die Regel wird eine Stelle später geprüft</translation>
    </message>
    <message>
        <source>Rule account</source>
        <translation>Konto der Regel</translation>
    </message>
    <message>
        <source>Only events of this account</source>
        <translation>Nur Ereignisse dieses Kontos</translation>
    </message>
    <message>
        <source>Rule channel</source>
        <translation>Kanal der Regel</translation>
    </message>
    <message>
        <source>Channel name or glob; * matches any</source>
        <translation>Kanalname oder Muster; * passt auf jeden</translation>
    </message>
    <message>
        <source>Rule event</source>
        <translation>Ereignis der Regel</translation>
    </message>
    <message>
        <source>Event name or glob; * matches any</source>
        <translation>Ereignisname oder Muster; * passt auf jedes</translation>
    </message>
    <message>
        <source>Rule notify</source>
        <translation>Benachrichtigung der Regel</translation>
    </message>
    <message>
        <source>Pop up, feed only, or mute</source>
        <translation>Benachrichtigen, nur Feed oder stumm</translation>
    </message>
    <message>
        <source>Rule priority</source>
        <translation>Priorität der Regel</translation>
    </message>
    <message>
        <source>How the item is ranked</source>
        <translation>Wie der Eintrag eingestuft wird</translation>
    </message>
    <message>
        <source>Title template</source>
        <translation>Titelvorlage</translation>
    </message>
    <message>
        <source>Placeholders such as {subject} take the event&apos;s data</source>
        <translation>Platzhalter wie {subject} übernehmen die Daten des Ereignisses</translation>
    </message>
    <message>
        <source>Body template</source>
        <translation>Textvorlage</translation>
    </message>
    <message>
        <source>Placeholders such as {requester.name} take the event&apos;s data</source>
        <translation>Platzhalter wie {requester.name} übernehmen die Daten des Ereignisses</translation>
    </message>
    <message>
        <source>Edit buttons</source>
        <translation>Schaltflächen bearbeiten</translation>
    </message>
    <message>
        <source>Opens the list of the rule&apos;s buttons</source>
        <translation>Öffnet die Liste der Schaltflächen der Regel</translation>
    </message>
    <message>
        <source>Link template</source>
        <translation>Linkvorlage</translation>
    </message>
    <message>
        <source>An http or https link; {id} takes the event&apos;s data</source>
        <translation>Ein http- oder https-Link; {id} übernimmt die Daten des Ereignisses</translation>
    </message>
    <message>
        <source>The buttons on the rule&apos;s popups and details</source>
        <translation>Die Schaltflächen in den Benachrichtigungen und Details der Regel</translation>
    </message>
    <message>
        <source>What the config check says about the rule</source>
        <translation>Was die Konfigurationsprüfung zur Regel sagt</translation>
    </message>
    <message>
        <source>Preview: whether an event in the history matches</source>
        <translation>Vorschau: ob ein Ereignis im Verlauf passt</translation>
    </message>
    <message>
        <source>Preview: the latest stored event the rule matches</source>
        <translation>Vorschau: das neueste gespeicherte Ereignis, auf das die Regel passt</translation>
    </message>
    <message>
        <source>Preview: the title the rule makes</source>
        <translation>Vorschau: der Titel, den die Regel erzeugt</translation>
    </message>
    <message>
        <source>Preview: the body the rule makes</source>
        <translation>Vorschau: der Text, den die Regel erzeugt</translation>
    </message>
    <message>
        <source>Preview: the link the rule makes</source>
        <translation>Vorschau: der Link, den die Regel erzeugt</translation>
    </message>
    <message>
        <source>Preview: whether it pops up, and its priority</source>
        <translation>Vorschau: ob benachrichtigt wird, und die Priorität</translation>
    </message>
    <message>
        <source>Rule form</source>
        <translation>Regelformular</translation>
    </message>
    <message>
        <source>The fields of the selected rule</source>
        <translation>Die Felder der ausgewählten Regel</translation>
    </message>
    <message>
        <source>Rule preview</source>
        <translation>Regelvorschau</translation>
    </message>
    <message>
        <source>The selected rule applied to the latest event it matches</source>
        <translation>Die ausgewählte Regel, angewandt auf das neueste passende Ereignis</translation>
    </message>
    <message>
        <source>Select a rule to see what it makes of an event.</source>
        <translation>Wählen Sie eine Regel, um zu sehen, was sie aus einem Ereignis macht.</translation>
    </message>
    <message>
        <source>There is no history to preview with.</source>
        <translation>Es gibt keinen Verlauf für eine Vorschau.</translation>
    </message>
    <message>
        <source>The config file does not load; its rules show once it is fixed.</source>
        <translation>Die Konfigurationsdatei lädt nicht; ihre Regeln erscheinen, sobald sie behoben ist.</translation>
    </message>
    <message>
        <source>No rules yet: every event gets the defaults.</source>
        <translation>Noch keine Regeln: Jedes Ereignis erhält die Standardwerte.</translation>
    </message>
    <message>
        <source>“{title}”</source>
        <translation>„{title}“</translation>
    </message>
    <message>
        <source>the default title</source>
        <translation>Standardtitel</translation>
    </message>
    <message>
        <source>any channel</source>
        <translation>jeder Kanal</translation>
    </message>
    <message>
        <source>any event</source>
        <translation>jedes Ereignis</translation>
    </message>
    <message>
        <source>{channel} · {event} → {title}</source>
        <translation>{channel} · {event} → {title}</translation>
    </message>
    <message>
        <source>{account}: {rule}</source>
        <translation>{account}: {rule}</translation>
    </message>
    <message>
        <source>{rule} (feed only)</source>
        <translation>{rule} (nur Feed)</translation>
    </message>
    <message>
        <source>{rule} (muted)</source>
        <translation>{rule} (stumm)</translation>
    </message>
    <message>
        <source>{rule}, {priority}</source>
        <translation>{rule}, {priority}</translation>
    </message>
    <message>
        <source>Any account</source>
        <translation>Jedes Konto</translation>
    </message>
    <message>
        <source>Rule {number}</source>
        <translation>Regel {number}</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>No rules left: every event gets the defaults.</source>
        <translation>Keine Regeln mehr: Jedes Ereignis erhält die Standardwerte.</translation>
    </message>
    <message>
        <source>Looking for the latest matching event…</source>
        <translation>Neuestes passendes Ereignis wird gesucht…</translation>
    </message>
    <message>
        <source>The settings have a problem elsewhere; fix it first:</source>
        <translation>Die Einstellungen haben an anderer Stelle ein Problem; beheben Sie es zuerst:</translation>
    </message>
    <message>
        <source>This rule cannot be saved yet:</source>
        <translation>Diese Regel kann noch nicht gespeichert werden:</translation>
    </message>
    <message>
        <source>Fix the rule to see a preview.</source>
        <translation>Beheben Sie die Regel, um eine Vorschau zu sehen.</translation>
    </message>
    <message>
        <source>The history cannot be read: {error}</source>
        <translation>Der Verlauf kann nicht gelesen werden: {error}</translation>
    </message>
    <message>
        <source>No event in the history matches this rule.</source>
        <translation>Kein Ereignis im Verlauf passt zu dieser Regel.</translation>
    </message>
    <message>
        <source>No event among the latest stored ones of each channel matches this rule.</source>
        <translation>Keines der zuletzt gespeicherten Ereignisse der Kanäle passt zu dieser Regel.</translation>
    </message>
    <message>
        <source>{account} · {channel} · {event}, received {when}</source>
        <translation>{account} · {channel} · {event}, empfangen {when}</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(leer)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keiner)</translation>
    </message>
    <message>
        <source>Pops up</source>
        <translation>Benachrichtigt</translation>
    </message>
    <message>
        <source>Feed only</source>
        <translation>Nur Feed</translation>
    </message>
    <message>
        <source>Muted</source>
        <translation>Stumm</translation>
    </message>
    <message>
        <source>Pops up (a keyword)</source>
        <translation>Benachrichtigt (Stichwort)</translation>
    </message>
    <message>
        <source>{notify}; priority: {priority}</source>
        <translation>{notify}; Priorität: {priority}</translation>
    </message>
    <message>
        <source>Rule {number} above matches this event first, so today it decides how it is shown, not this one.</source>
        <translation>Regel {number} weiter oben passt zuerst auf dieses Ereignis und bestimmt daher derzeit seine Anzeige, nicht diese.</translation>
    </message>
</context>
<context>
    <name>SettingsService</name>
    <message>
        <source>{path}: could not be written: {reason}</source>
        <translation>{path}: ließ sich nicht schreiben: {reason}</translation>
    </message>
    <message>
        <source>No answer within {seconds} s.</source>
        <translation>Keine Antwort innerhalb von {seconds} s.</translation>
    </message>
</context>
<context>
    <name>SettingsWindow</name>
    <message>
        <source>Beacon settings</source>
        <translation>Beacon-Einstellungen</translation>
    </message>
    <message>
        <source>&amp;Accounts</source>
        <translation>&amp;Konten</translation>
    </message>
    <message>
        <source>&amp;Notifications</source>
        <translation>&amp;Benachrichtigungen</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>Bereiche der Einstellungen</translation>
    </message>
    <message>
        <source>Accounts, and how notifications behave</source>
        <translation>Konten und das Verhalten der Benachrichtigungen</translation>
    </message>
    <message>
        <source>Servers, channels and secrets</source>
        <translation>Server, Kanäle und Geheimnisse</translation>
    </message>
    <message>
        <source>Quiet hours, keywords, summaries and sound</source>
        <translation>Ruhezeiten, Stichwörter, Zusammenfassungen und Ton</translation>
    </message>
    <message>
        <source>Ru&amp;les</source>
        <translation>&amp;Regeln</translation>
    </message>
    <message>
        <source>How events are shown: titles, links, popups</source>
        <translation>Wie Ereignisse angezeigt werden: Titel, Links, Benachrichtigungen</translation>
    </message>
    <message>
        <source>Settings status</source>
        <translation>Status der Einstellungen</translation>
    </message>
    <message>
        <source>Writes the settings to the config file</source>
        <translation>Schreibt die Einstellungen in die Konfigurationsdatei</translation>
    </message>
    <message>
        <source>Closes the settings window</source>
        <translation>Schließt das Einstellungsfenster</translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation>Konten</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <source>Choose an account to edit it</source>
        <translation>Wählen Sie ein Konto, um es zu bearbeiten</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>Adds a new account to the list</source>
        <translation>Fügt der Liste ein neues Konto hinzu</translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation>Konto entfernen</translation>
    </message>
    <message>
        <source>Removes the selected account</source>
        <translation>Entfernt das ausgewählte Konto</translation>
    </message>
    <message>
        <source>22:00-07:00 (popups held back; the feed still fills)</source>
        <translation>22:00-07:00 (nur der Feed füllt sich)</translation>
    </message>
    <message>
        <source>outage, urgent (always pop up, highlighted)</source>
        <translation>Ausfall, dringend (immer Benachrichtigung, hervorgehoben)</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>Play a sound with popups</source>
        <translation>Ton bei Benachrichtigungen abspielen</translation>
    </message>
    <message>
        <source>Not available in this version</source>
        <translation>In dieser Version nicht verfügbar</translation>
    </message>
    <message>
        <source>&amp;Quiet hours</source>
        <translation>&amp;Ruhezeiten</translation>
    </message>
    <message>
        <source>&amp;Keywords</source>
        <translation>&amp;Stichwörter</translation>
    </message>
    <message>
        <source>Popups before a &amp;summary</source>
        <translation>Benachrichtigungen vor einer &amp;Zusammenfassung</translation>
    </message>
    <message>
        <source>… within</source>
        <translation>… innerhalb von</translation>
    </message>
    <message>
        <source>Start Beacon when I log in</source>
        <translation>Beacon bei der Anmeldung starten</translation>
    </message>
    <message>
        <source>Use your system&apos;s login items on this platform</source>
        <translation>Verwenden Sie auf dieser Plattform die Anmeldeobjekte Ihres Systems</translation>
    </message>
    <message>
        <source>Quiet hours</source>
        <translation>Ruhezeiten</translation>
    </message>
    <message>
        <source>Popups wait during these hours, as HH:MM-HH:MM</source>
        <translation>Benachrichtigungen warten in dieser Zeit, als HH:MM-HH:MM</translation>
    </message>
    <message>
        <source>Keywords</source>
        <translation>Stichwörter</translation>
    </message>
    <message>
        <source>Comma-separated words that always pop up</source>
        <translation>Durch Kommas getrennte Wörter, die immer benachrichtigen</translation>
    </message>
    <message>
        <source>Popups before a summary</source>
        <translation>Benachrichtigungen vor einer Zusammenfassung</translation>
    </message>
    <message>
        <source>More popups become one summary</source>
        <translation>Mehr Benachrichtigungen werden zu einer Zusammenfassung</translation>
    </message>
    <message>
        <source>Summary window in seconds</source>
        <translation>Zeitfenster der Zusammenfassung in Sekunden</translation>
    </message>
    <message>
        <source>The time popups are counted</source>
        <translation>Die Zeit, in der Benachrichtigungen gezählt werden</translation>
    </message>
    <message>
        <source>A short sound with each popup</source>
        <translation>Ein kurzer Ton bei jeder Benachrichtigung</translation>
    </message>
    <message>
        <source>Applied at once</source>
        <translation>Gilt sofort</translation>
    </message>
    <message>
        <source>Reading the settings…</source>
        <translation>Einstellungen werden gelesen…</translation>
    </message>
    <message>
        <source>The config file has a problem; fix it in the file first:
{error}</source>
        <translation>Die Konfigurationsdatei hat ein Problem; beheben Sie es zuerst in der Datei:
{error}</translation>
    </message>
    <message>
        <source>Save the account first, then store its secret.</source>
        <translation>Speichern Sie zuerst das Konto, dann sein Geheimnis.</translation>
    </message>
    <message>
        <source>A secret is stored for this account.</source>
        <translation>Für dieses Konto ist ein Geheimnis gespeichert.</translation>
    </message>
    <message>
        <source>No secret is stored. Accounts that sign or send {secret} need one.</source>
        <translation>Kein Geheimnis gespeichert. Konten, die signieren oder {secret} senden, brauchen eines.</translation>
    </message>
    <message>
        <source>Checking the keyring…</source>
        <translation>Schlüsselbund wird geprüft…</translation>
    </message>
    <message>
        <source>The secret begins or ends with a space or tab: paste it again without it. Nothing was stored.</source>
        <translation>Das Geheimnis beginnt oder endet mit einem Leerzeichen oder Tabulator: Fügen Sie es ohne dieses erneut ein. Es wurde nichts gespeichert.</translation>
    </message>
    <message>
        <source>Storing in the keyring…</source>
        <translation>Wird im Schlüsselbund gespeichert…</translation>
    </message>
    <message>
        <source>Could not change starting at login: {error}</source>
        <translation>Der Start bei der Anmeldung ließ sich nicht ändern: {error}</translation>
    </message>
    <message>
        <source>Testing {account}: connecting…</source>
        <translation>{account} wird getestet: Verbindung wird aufgebaut…</translation>
    </message>
    <message>
        <source>{account} works.</source>
        <translation>{account} funktioniert.</translation>
    </message>
    <message>
        <source>{account} has a problem.</source>
        <translation>{account} hat ein Problem.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert…</translation>
    </message>
    <message>
        <source>Saved to {path}. Beacon uses it now.</source>
        <translation>In {path} gespeichert. Beacon verwendet die Einstellungen ab sofort.</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Nicht gespeichert: {reason}</translation>
    </message>
</context>
<context>
    <name>SignalsPanel</name>
    <message>
        <source>Beacon runs these for matching events once you confirm them. Each command is started without a shell; event data fills its arguments, never more. Any change to them in the config asks for your confirmation again.</source>
        <translation>Beacon führt diese bei passenden Ereignissen aus, sobald Sie sie bestätigen. Jeder Befehl startet ohne Shell; Ereignisdaten füllen nur seine Argumente, nie mehr. Jede Änderung daran in der Konfiguration erfordert erneut Ihre Bestätigung.</translation>
    </message>
    <message>
        <source>Signals that would run</source>
        <translation>Signale, die ausgeführt würden</translation>
    </message>
    <message>
        <source>Run these signals</source>
        <translation>Diese Signale ausführen</translation>
    </message>
    <message>
        <source>No [[signal]] in the config.</source>
        <translation>Kein [[signal]] in der Konfiguration.</translation>
    </message>
    <message>
        <source>Confirmed: these run for matching events.</source>
        <translation>Bestätigt: Diese laufen bei passenden Ereignissen.</translation>
    </message>
    <message>
        <source>Not confirmed: none of these runs until you confirm them.</source>
        <translation>Nicht bestätigt: Keines davon läuft, bevor Sie es bestätigen.</translation>
    </message>
    <message>
        <source>channel {channel}, event {event}</source>
        <translation>Kanal {channel}, Ereignis {event}</translation>
    </message>
    <message>
        <source>account {account}, {where}</source>
        <translation>Konto {account}, {where}</translation>
    </message>
    <message>
        <source>{what}  (on {where})</source>
        <translation>{what}  (bei {where})</translation>
    </message>
</context>
<context>
    <name>StatusChip</name>
    <message>
        <source>waiting for the keyring — answer the unlock prompt</source>
        <translation>warte auf Schlüsselbund – Entsperrabfrage beantworten</translation>
    </message>
    <message>
        <source>keyring locked — choose Try again and enter your keyring password</source>
        <translation>Schlüsselbund gesperrt – „Erneut versuchen“, Passwort eingeben</translation>
    </message>
    <message>
        <source>{account}: credentials sent without encryption</source>
        <translation>{account}: Zugangsdaten werden unverschlüsselt gesendet</translation>
    </message>
    <message>
        <source>{state}, not encrypted</source>
        <translation>{state}, unverschlüsselt</translation>
    </message>
    <message>
        <source>Account {account}: {state}. {detail}</source>
        <translation>Konto {account}: {state}. {detail}</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop waiting for the keyring&apos;s unlock prompt</source>
        <translation>Nicht länger auf die Entsperrabfrage des Schlüsselbunds warten</translation>
    </message>
    <message>
        <source>Cancel waiting for the keyring</source>
        <translation>Warten auf den Schlüsselbund abbrechen</translation>
    </message>
    <message>
        <source>Stop waiting for the unlock prompt of account %1</source>
        <translation>Nicht länger auf die Entsperrabfrage für Konto %1 warten</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Read the keyring again: its unlock prompt comes back</source>
        <translation>Den Schlüsselbund erneut lesen: Die Entsperrabfrage erscheint wieder</translation>
    </message>
    <message>
        <source>Try the keyring again</source>
        <translation>Schlüsselbund erneut versuchen</translation>
    </message>
    <message>
        <source>Reconnect account %1 and show the keyring&apos;s unlock prompt</source>
        <translation>Konto %1 neu verbinden und die Entsperrabfrage des Schlüsselbunds zeigen</translation>
    </message>
</context>
<context>
    <name>SummaryWords</name>
    <message numerus="yes">
        <source>%Ln new update(s)</source>
        <translation>
            <numerusform>%Ln neue Meldung</numerusform>
            <numerusform>%Ln neue Meldungen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln update(s) while you were away</source>
        <translation>
            <numerusform>%Ln Meldung während Ihrer Abwesenheit</numerusform>
            <numerusform>%Ln Meldungen während Ihrer Abwesenheit</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %Ln more</source>
        <translation>
            <numerusform>und %Ln weitere</numerusform>
            <numerusform>und %Ln weitere</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message>
        <source>waiting for the keyring — answer the unlock prompt</source>
        <translation>warte auf Schlüsselbund – Entsperrabfrage beantworten</translation>
    </message>
    <message>
        <source>keyring locked — choose Reconnect and enter your keyring password</source>
        <translation>Schlüsselbund gesperrt – „Neu verbinden“, Passwort eingeben</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>startet</translation>
    </message>
    <message>
        <source>Open feed</source>
        <translation>Feed öffnen</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>Nicht stören</translation>
    </message>
    <message>
        <source>For 1 hour</source>
        <translation>Für 1 Stunde</translation>
    </message>
    <message>
        <source>Until tomorrow</source>
        <translation>Bis morgen</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Einstellungen…</translation>
    </message>
    <message>
        <source>Quit Beacon</source>
        <translation>Beacon beenden</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>Anmelden…</translation>
    </message>
    <message>
        <source>Cancel waiting for the keyring</source>
        <translation>Warten auf den Schlüsselbund abbrechen</translation>
    </message>
    <message>
        <source>Reconnect</source>
        <translation>Neu verbinden</translation>
    </message>
    <message>
        <source>Until tomorrow, {time}</source>
        <translation>Bis morgen, {time}</translation>
    </message>
    <message>
        <source>Do not disturb: on until {time}</source>
        <translation>Nicht stören: an bis {time}</translation>
    </message>
    <message numerus="yes">
        <source>Beacon: %Ln unread</source>
        <translation>
            <numerusform>Beacon: %Ln ungelesen</numerusform>
            <numerusform>Beacon: %Ln ungelesen</numerusform>
        </translation>
    </message>
    <message>
        <source>No accounts configured</source>
        <translation>Keine Konten eingerichtet</translation>
    </message>
    <message>
        <source>{account}: credentials sent without encryption</source>
        <translation>{account}: Zugangsdaten werden unverschlüsselt gesendet</translation>
    </message>
    <message>
        <source>Here now: {channels}</source>
        <translation>Gerade da: {channels}</translation>
    </message>
    <message>
        <source>Do not disturb until {time}</source>
        <translation>Nicht stören bis {time}</translation>
    </message>
    <message>
        <source>{state} — {reason}</source>
        <translation>{state} — {reason}</translation>
    </message>
    <message>
        <source>{state} — {reason}; next try at {time}</source>
        <translation>{state} — {reason}; nächster Versuch um {time}</translation>
    </message>
</context>
<context>
    <name>UpdateBar</name>
    <message>
        <source>Show the new updates at the top of the feed ({shortcut})</source>
        <translation>Die neuen Meldungen oben im Feed anzeigen ({shortcut})</translation>
    </message>
    <message>
        <source>New items are waiting. Press to show them at the top of the feed. Shortcut {shortcut}.</source>
        <translation>Neue Einträge warten. Drücken, um sie oben im Feed anzuzeigen. Tastenkürzel {shortcut}.</translation>
    </message>
</context>
<context>
    <name>UpdateBarWords</name>
    <message numerus="yes">
        <source>%Ln new update(s)</source>
        <translation>
            <numerusform>%Ln neue Meldung</numerusform>
            <numerusform>%Ln neue Meldungen</numerusform>
        </translation>
    </message>
</context>
</TS>
