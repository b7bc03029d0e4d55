@echo off
echo running: "C:\Program Files\Odd 100%%\un^&inst.exe" /S /D=%%TEMP%%
"C:\Program Files\Odd 100%%\un&inst.exe" /S /D=%%TEMP%%
set rc=%ERRORLEVEL%
if "%rc%"=="1605" exit /b 0
exit /b %rc%