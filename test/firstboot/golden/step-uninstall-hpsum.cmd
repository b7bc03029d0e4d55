@echo off
echo running: "C:\Program Files\HP\hpsum\uninstall.exe" /s
"C:\Program Files\HP\hpsum\uninstall.exe" /s
set rc=%ERRORLEVEL%
if "%rc%"=="1605" exit /b 0
exit /b %rc%