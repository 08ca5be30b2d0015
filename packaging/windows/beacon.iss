; Inno Setup 6 script: the Windows installer for Beacon, from the PyInstaller bundle.
; Built by packaging\windows\build.ps1, which passes AppVersion and SourceDir:
;   ISCC.exe /DAppVersion=0.1.0 /DSourceDir=C:\src\beacon\dist\beacon beacon.iss

#ifndef AppVersion
  #error Pass /DAppVersion=X.Y.Z (packaging\windows\build.ps1 does)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\beacon"
#endif

[Setup]
; The AppId identifies Beacon to Windows' installed-apps list across upgrades: never change it.
AppId={{933D2610-8172-4273-8816-24CA0A23FE63}
AppName=Beacon
AppVersion={#AppVersion}
AppPublisher=Beacon developers
AppPublisherURL=https://beacon-desktop.example.org/
DefaultDirName={autopf}\Beacon
DefaultGroupName=Beacon
DisableProgramGroupPage=yes
; Per-user by default (no administrator needed); the dialog offers all users too.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=Beacon-{#AppVersion}-setup
SetupIconFile=..\..\build\beacon.ico
UninstallDisplayIcon={app}\beaconw.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Beacon running in the tray holds its files open: ask it to close first.
CloseApplications=yes

[Tasks]
Name: "autostart"; Description: "Start Beacon when I sign in"; GroupDescription: "Startup:"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Beacon"; Filename: "{app}\beaconw.exe"; AppUserModelID: "Beacon"
Name: "{autodesktop}\Beacon"; Filename: "{app}\beaconw.exe"; Tasks: desktopicon
Name: "{userstartup}\Beacon"; Filename: "{app}\beaconw.exe"; Tasks: autostart

[Registry]
; beacon.exe (the console twin) on the user's PATH, for beacon listen, check and history.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; \
    ValueData: "{olddata};{app}"; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\beaconw.exe"; Description: "{cm:LaunchProgram,Beacon}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Path) then
    Path := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
