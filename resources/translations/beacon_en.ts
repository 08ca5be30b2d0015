<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AwayDigestBar</name>
    <message numerus="yes">
        <source>%Ln more group(s)</source>
        <translation>
            <numerusform>%Ln more group</numerusform>
            <numerusform>%Ln more groups</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>AwayDigestWords</name>
    <message numerus="yes">
        <source>%Ln new item(s)</source>
        <translation>
            <numerusform>%Ln new item</numerusform>
            <numerusform>%Ln new items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln high priority</source>
        <translation>
            <numerusform>%Ln high priority</numerusform>
            <numerusform>%Ln high priority</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln mention(s) of your keywords</source>
        <translation>
            <numerusform>%Ln mention of your keywords</numerusform>
            <numerusform>%Ln mentions of your keywords</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ChannelPulses</name>
    <message numerus="yes">
        <source>{channel} ({account}): %Ln event(s)</source>
        <translation>
            <numerusform>{channel} ({account}): %Ln event</numerusform>
            <numerusform>{channel} ({account}): %Ln events</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FeedWindowCounts</name>
    <message numerus="yes">
        <source>Showing %Ln update(s)</source>
        <translation>
            <numerusform>Showing %Ln update</numerusform>
            <numerusform>Showing %Ln updates</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unread</source>
        <translation>
            <numerusform>%Ln unread</numerusform>
            <numerusform>%Ln unread</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unread — Beacon</source>
        <translation>
            <numerusform>%Ln unread — Beacon</numerusform>
            <numerusform>%Ln unread — Beacon</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PresenceModel</name>
    <message numerus="yes">
        <source>{channel} (%Ln here)</source>
        <translation>
            <numerusform>{channel} (%Ln here)</numerusform>
            <numerusform>{channel} (%Ln here)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{channel}: %Ln here</source>
        <translation>
            <numerusform>{channel}: %Ln here</numerusform>
            <numerusform>{channel}: %Ln here</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PulseChart</name>
    <message numerus="yes">
        <source>%Ln event(s) in the last hour, at most {peak} a minute, usually {usual}</source>
        <translation>
            <numerusform>%Ln event in the last hour, at most {peak} a minute, usually {usual}</numerusform>
            <numerusform>%Ln events in the last hour, at most {peak} a minute, usually {usual}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RelativeTime</name>
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
            <numerusform>%n min</numerusform>
            <numerusform>%n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h</source>
        <comment>hours ago, short</comment>
        <translation>
            <numerusform>%n h</numerusform>
            <numerusform>%n h</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SummaryWords</name>
    <message numerus="yes">
        <source>%Ln new update(s)</source>
        <translation>
            <numerusform>%Ln new update</numerusform>
            <numerusform>%Ln new updates</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln update(s) while you were away</source>
        <translation>
            <numerusform>%Ln update while you were away</numerusform>
            <numerusform>%Ln updates while you were away</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %Ln more</source>
        <translation>
            <numerusform>and %Ln more</numerusform>
            <numerusform>and %Ln more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message numerus="yes">
        <source>Beacon: %Ln unread</source>
        <translation>
            <numerusform>Beacon: %Ln unread</numerusform>
            <numerusform>Beacon: %Ln unread</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UpdateBarWords</name>
    <message numerus="yes">
        <source>%Ln new update(s)</source>
        <translation>
            <numerusform>%Ln new update</numerusform>
            <numerusform>%Ln new updates</numerusform>
        </translation>
    </message>
</context>
</TS>
