Attribute VB_Name = "GxxlRibbon"
' The one callback of every button on the gxxl ribbon tab (customUI.xml).
' The button's tag names the Python action; gxxl.excel.dispatch runs it for the
' active workbook (xw.Book.caller()). Keep this module ASCII and generic: a new
' button needs customUI.xml and Python only.
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    ' xlwings' RunPython reads ActiveWorkbook; give it one when Excel has none open.
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    RunPython "import gxxl.excel.dispatch as d; d.run('" & control.Tag & "')"
End Sub
