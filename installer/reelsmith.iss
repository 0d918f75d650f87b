; Inno Setup script for Windows: packs the PyInstaller folder (dist\Reelsmith, built on Windows
; with installer/reelsmith.spec) into ReelsmithSetup.exe. It adds a Start menu entry, an optional
; desktop icon and the .reelsmith file type, and uninstalls cleanly.
; Untested: Windows cannot be built here (docs/packaging.md).
#define AppVersion "0.1.0"

[Setup]
AppId={{6F7C2C1E-4B7E-4E43-9B62-REELSMITH0001}
AppName=Reelsmith
AppVersion={#AppVersion}
AppPublisher=Reelsmith
DefaultDirName={autopf}\Reelsmith
DefaultGroupName=Reelsmith
PrivilegesRequired=lowest
OutputBaseFilename=ReelsmithSetup-{#AppVersion}
SetupIconFile=..\resources\icons\reelsmith.ico
Compression=lzma2
SolidCompression=yes
ChangesAssociations=yes
ArchitecturesInstallIn64BitMode=x64compatible

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; GroupDescription: "Shortcuts:"

[Files]
Source: "..\dist\Reelsmith\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\Reelsmith"; Filename: "{app}\reelsmith.exe"
Name: "{autodesktop}\Reelsmith"; Filename: "{app}\reelsmith.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\.reelsmith"; ValueType: string; ValueName: ""; ValueData: "Reelsmith.Project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Reelsmith.Project"; ValueType: string; ValueName: ""; ValueData: "Reelsmith project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Reelsmith.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\reelsmith.exe,0"
Root: HKA; Subkey: "Software\Classes\Reelsmith.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\reelsmith.exe"" ""%1"""

[Run]
Filename: "{app}\reelsmith.exe"; Description: "Start Reelsmith"; Flags: nowait postinstall skipifsilent
