# Build Beacon for Windows: the PyInstaller bundle, then the Inno Setup installer.
# Run from a checkout in PowerShell, with Python 3.11+ and Inno Setup 6 installed:
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Output: dist\beacon\ (the bundle) and dist\Beacon-<version>-setup.exe.
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root

python -m venv build\bundle-venv
build\bundle-venv\Scripts\python -m pip install --upgrade pip
build\bundle-venv\Scripts\python -m pip install ".[bundle]" pillow

# The .ico from the PNGs packaging/make_icons.py rendered, one picture per size (Pillow
# writes a multi-size .ico; PyInstaller embeds it in both executables).
build\bundle-venv\Scripts\python -c @"
from PIL import Image
sizes = [16, 24, 32, 48, 64, 128, 256]
images = [Image.open(f'resources/icons/hicolor/{s}x{s}/apps/beacon.png') for s in sizes]
images[-1].save('build/beacon.ico', sizes=[(s, s) for s in sizes], append_images=images[:-1])
"@

build\bundle-venv\Scripts\pyinstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\beacon.spec
$version = (& dist\beacon\beacon.exe --version).Split(" ")[1]

$iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe"
& $iscc "/DAppVersion=$version" "/DSourceDir=$root\dist\beacon" "/O$root\dist" packaging\windows\beacon.iss
